import "server-only";

/**
 * Work that must not shape the answer (mails whose delivery time would tell
 * whether an account exists). The caller answers at once; the task runs on,
 * and its failure is logged, never shown. Tasks are tracked so tests and a
 * graceful shutdown can wait for them.
 */
const pending = new Set<Promise<void>>();

export function runInBackground(label: string, task: () => Promise<void>): void {
  const run = Promise.resolve()
    .then(task)
    .catch((err: unknown) => {
      // The name only: messages may carry addresses or SMTP replies.
      console.error(`[gatehouse] background task "${label}" failed`, err instanceof Error ? err.name : typeof err);
    })
    .finally(() => {
      pending.delete(run);
    });
  pending.add(run);
}

/** Resolves once every task started so far (and any they started) has finished. */
export async function settleBackgroundTasks(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
