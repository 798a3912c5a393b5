// Piscina worker for lib/auth/password-pool.ts: one bcrypt hash or compare per
// task, off the main thread. Plain ESM that Node loads from the repo as-is: the
// bundler never sees it (the pool resolves it from process.cwd()), so it must
// stay dependency-light JavaScript.
import bcrypt from "bcryptjs";

/**
 * @param {{ op: "hash", password: string, cost: number } | { op: "compare", password: string, hash: string }} task
 * @returns {{ ok: true, value: string | boolean } | { ok: false, message: string }}
 */
export default function runBcryptTask(task) {
  // bcrypt's own failures (a malformed stored hash) come back as a value, so the
  // pool can tell them from a broken worker, which is the only case it falls back on.
  try {
    // The synchronous API is right here: this thread has nothing else to do.
    if (task.op === "hash") return { ok: true, value: bcrypt.hashSync(task.password, task.cost) };
    if (task.op === "compare") return { ok: true, value: bcrypt.compareSync(task.password, task.hash) };
    return { ok: false, message: "Unknown bcrypt task" };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
