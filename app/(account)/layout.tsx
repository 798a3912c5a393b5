import { requireUser } from "@/lib/auth/current-user";
import { AccountNav } from "./account-nav";
import { SignOutButtons } from "./sign-out-buttons";

// Per-user pages: never prerendered or cached.
export const dynamic = "force-dynamic";

/**
 * Account shell. Checks the session itself (middleware alone is not a guard,
 * CVE-2025-29927); every page below checks again, since layouts do not re-run on
 * client navigation.
 */
export default async function AccountLayout({ children }: { children: React.ReactNode }) {
  const { user } = await requireUser();
  return (
    <div className="grid gap-6 md:grid-cols-[13rem_1fr] md:gap-10">
      <aside className="space-y-4 md:sticky md:top-6 md:self-start">
        <div className="hidden min-w-0 md:block">
          <p className="truncate text-sm font-semibold">{user.name}</p>
          <p className="truncate text-xs text-zinc-600 dark:text-zinc-400">{user.email}</p>
        </div>
        <AccountNav />
        <SignOutButtons className="flex gap-2 border-t border-zinc-200 pt-3 md:block md:space-y-1 md:pt-4 dark:border-zinc-800" />
      </aside>
      <div className="min-w-0">{children}</div>
    </div>
  );
}
