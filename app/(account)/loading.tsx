import { Spinner } from "@/components/ui/button";

/**
 * Shown while an account page streams in. It lives below (account)/layout.tsx on
 * purpose: the layout's requireUser() then runs before streaming starts, so a
 * signed-out visitor gets a real 307 to sign-in, not a 200 with a late meta refresh.
 */
export default function Loading() {
  return (
    <div role="status" className="flex min-h-[40vh] flex-col items-center justify-center gap-3 text-zinc-600 dark:text-zinc-400">
      <Spinner className="size-8 text-brand-600 dark:text-brand-400" />
      <p className="text-sm">Loading…</p>
    </div>
  );
}
