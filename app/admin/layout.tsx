import type { Metadata } from "next";
import { requireRole } from "@/lib/auth/current-user";
import { AdminNav } from "./admin-nav";

export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · Gatehouse" } };

// Per-request, per-user pages: never prerendered or cached.
export const dynamic = "force-dynamic";

/**
 * Admin shell. The middleware turns non-admin tokens away, but it reads the
 * token's role claim, which can be up to 15 minutes old: this layout reads the
 * role from the database. Every page and action below checks again.
 */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const { user } = await requireRole("ADMIN");
  return (
    <div className="grid gap-6 md:grid-cols-[11rem_1fr] md:gap-10">
      <aside className="space-y-4 md:sticky md:top-6 md:self-start">
        <div className="hidden min-w-0 md:block">
          <p className="text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">Admin</p>
          <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">{user.email}</p>
        </div>
        <AdminNav />
      </aside>
      <div className="min-w-0">{children}</div>
    </div>
  );
}
