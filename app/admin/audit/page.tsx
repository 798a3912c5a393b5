import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { AUDIT_EVENT_LABELS, AUDIT_EVENT_TYPES, auditQuerySchema, listAuditEvents, parseAdminQuery } from "@/lib/auth/admin";
import { describeDevice } from "@/lib/auth/profile";
import { formatWhen, queryString } from "../format";
import { requireAdmin } from "../require-admin";
import { AuditFilters, type AuditFilterValues } from "./audit-filters";
import { displayIp } from "@/lib/validation/ip";

export const metadata: Metadata = { title: "Audit log" };

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const LABELS = AUDIT_EVENT_LABELS as Record<string, string>;
const TYPES = AUDIT_EVENT_TYPES.map((value) => ({ value, label: AUDIT_EVENT_LABELS[value] }));
const day = (d: Date | undefined) => d?.toISOString().slice(0, 10);

export default async function AdminAuditPage({ searchParams }: { searchParams: SearchParams }) {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { actor, ctx } = await requireAdmin();
  const { data: query, invalid } = parseAdminQuery(auditQuerySchema, await searchParams);
  const page = await listAuditEvents(actor, query, ctx);
  const filters: AuditFilterValues = { type: query.type, email: query.email, ip: query.ip, from: day(query.from), to: day(query.to) };

  return (
    <div className="space-y-6">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div className="space-y-1">
          <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Audit log</h1>
          <p className="text-zinc-600 dark:text-zinc-400">Every security event, newest first. Times are in UTC.</p>
        </div>
        {/* A plain link: the export is a GET that changes nothing, with the same filters. */}
        <a
          href={`/admin/audit/export${queryString({ ...filters })}`}
          className="inline-flex min-h-11 items-center rounded-md border border-zinc-300 bg-white px-4 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
        >
          Export CSV
        </a>
      </header>

      {invalid.length > 0 && <Alert variant="warning">Ignored a filter that was not valid: {invalid.join(", ")}.</Alert>}

      <Card className="sm:p-6">
        <AuditFilters values={filters} types={TYPES} />
      </Card>

      <Card className="p-0 sm:p-0">
        {page.events.length === 0 ? (
          <p className="p-5 text-sm text-zinc-600 sm:p-6 dark:text-zinc-400">No events match these filters.</p>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full min-w-[56rem] text-left text-sm">
              <caption className="sr-only">Audit events, newest first</caption>
              <thead className="border-b border-zinc-200 text-xs text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="px-4 py-3 font-medium">Time</th>
                  <th scope="col" className="px-4 py-3 font-medium">Event</th>
                  <th scope="col" className="px-4 py-3 font-medium">User</th>
                  <th scope="col" className="px-4 py-3 font-medium">IP</th>
                  <th scope="col" className="px-4 py-3 font-medium">Device</th>
                  <th scope="col" className="px-4 py-3 font-medium">Detail</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-200 align-top dark:divide-zinc-800">
                {page.events.map((e) => (
                  <tr key={e.id}>
                    <td className="px-4 py-2 whitespace-nowrap">
                      <time dateTime={e.createdAt.toISOString()}>{formatWhen(e.createdAt, { seconds: true })}</time>
                    </td>
                    <td className="px-4 py-2">
                      <span className="font-medium">{LABELS[e.type] ?? e.type}</span>
                      <code className="block text-xs text-zinc-500 dark:text-zinc-400">{e.type}</code>
                    </td>
                    <td className="max-w-[16rem] truncate px-4 py-2">
                      {e.userId ? (
                        <Link href={`/admin/users/${e.userId}`} className="text-brand-600 hover:underline dark:text-brand-400">
                          {e.email ?? e.userId}
                        </Link>
                      ) : (
                        (e.email ?? <span className="text-zinc-500">—</span>)
                      )}
                    </td>
                    <td className="px-4 py-2 whitespace-nowrap">{displayIp(e.ip) ?? "—"}</td>
                    <td className="max-w-[12rem] truncate px-4 py-2" title={e.userAgent ?? undefined}>
                      {describeDevice(e.userAgent).label}
                    </td>
                    <td className="max-w-[20rem] px-4 py-2">
                      {e.detail !== null && <code className="block text-xs break-all">{JSON.stringify(e.detail)}</code>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {(page.previous || page.next) && (
        <nav aria-label="Audit pages" className="flex items-center justify-between gap-4 text-sm">
          {page.previous ? (
            <Link href={`/admin/audit${queryString({ ...filters, before: page.previous })}`} rel="prev" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
              ← Newer
            </Link>
          ) : (
            <span />
          )}
          {page.next ? (
            <Link href={`/admin/audit${queryString({ ...filters, after: page.next })}`} rel="next" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
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
