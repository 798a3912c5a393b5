import { Spinner } from "@/components/ui/button";

/** Shown while a server page streams in. */
export default function Loading() {
  return (
    <div role="status" className="flex min-h-[40vh] flex-col items-center justify-center gap-3 text-zinc-600 dark:text-zinc-400">
      <Spinner className="size-8 text-brand-600 dark:text-brand-400" />
      <p className="text-sm">Loading…</p>
    </div>
  );
}
