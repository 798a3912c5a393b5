import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { listUsers, parseAdminQuery, userListQuerySchema } from "@/lib/auth/admin";
import { queryString } from "../format";
import { requireAdmin } from "../require-admin";
import { UserFilters, type UserFilterValues } from "./user-filters";
import { UsersTable } from "./users-table";

export const metadata: Metadata = { title: "Users" };

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const yesNo = (v: boolean | undefined) => (v === undefined ? undefined : v ? "yes" : "no");

export default async function AdminUsersPage({ searchParams }: { searchParams: SearchParams }) {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { actor, ctx } = await requireAdmin();
  const raw = await searchParams;
  // Lenient: a malformed filter is dropped (and said so), never a 500.
  const { data: query, invalid } = parseAdminQuery(userListQuerySchema, raw);
  const page = await listUsers(actor, query, ctx);

  const filters: UserFilterValues = {
    q: query.q,
    match: query.match,
    role: query.role,
    verified: yesNo(query.verified),
    locked: yesNo(query.locked),
  };
  const keep = { ...filters, match: query.q ? query.match : undefined, limit: raw.limit ? String(query.limit) : undefined };
  const deleted = raw.deleted === "1";

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Users</h1>
        <p className="text-zinc-600 dark:text-zinc-400">Newest first. Select an email to manage the account.</p>
      </header>

      {deleted && <Alert variant="success">The account was deleted. Its audit events are kept.</Alert>}
      {invalid.length > 0 && <Alert variant="warning">Ignored a filter that was not valid: {invalid.join(", ")}.</Alert>}

      <Card className="sm:p-6">
        <UserFilters values={filters} />
      </Card>

      <Card className="p-0 sm:p-0">
        <UsersTable users={page.users} />
      </Card>

      {(page.previous || page.next) && (
        <nav aria-label="User pages" className="flex items-center justify-between gap-4 text-sm">
          {page.previous ? (
            <Link href={`/admin/users${queryString({ ...keep, before: page.previous })}`} rel="prev" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
              ← Newer
            </Link>
          ) : (
            <span />
          )}
          {page.next ? (
            <Link href={`/admin/users${queryString({ ...keep, after: page.next })}`} rel="next" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
              Older →
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}
