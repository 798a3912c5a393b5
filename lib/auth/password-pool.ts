import "server-only";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import { Piscina } from "piscina";
import { getEnv } from "../env";
import { log } from "../log";
import { AuthError, BUSY_MESSAGE } from "./errors";

/**
 * bcrypt on a pool of worker threads, one per core, so a hash (~0.3 s at cost
 * 12) never stalls the event loop that serves every other request. One pool per
 * process, on globalThis for the same reason as the database client: Next
 * bundles server code into several layers that would each start their own.
 *
 * BCRYPT_WORKERS (lib/env.ts) sets the thread count (default: os.availableParallelism());
 * 0 runs bcryptjs on the main thread, as before (benchmarks compare the two).
 * When workers cannot start (worker file missing, threads refused), hashing
 * falls back to the main thread: slower under load, never wrong.
 *
 * In front of it sits a budget: at most PASSWORD_QUEUE_MAX tasks (queued +
 * running) per process. Beyond it a task is refused at once with
 * PasswordQueueFullError (AuthError "busy": 503 + Retry-After, or the form's
 * "busy" message), so strangers' password guesses cannot grow a queue that
 * every other sign-in waits behind without bound.
 */

export type HashTask = { op: "hash"; password: string; cost: number };
export type CompareTask = { op: "compare"; password: string; hash: string };
export type BcryptTask = HashTask | CompareTask;
type TaskResult = { ok: true; value: string | boolean } | { ok: false; message: string };

// A plain .mjs file loaded by Node at run time. Resolved from the working directory
// (the repo root under `next start`, jest and tsx) and hidden from Turbopack, which
// would otherwise try to bundle or trace it.
export const BCRYPT_WORKER_FILE = path.join(/*turbopackIgnore: true*/ process.cwd(), "lib/auth/bcrypt-worker.mjs");

// Hashing yields to request handling: with as many busy workers as cores, the
// main thread would otherwise wait its turn for a time slice behind them.
const WORKER_NICE_INCREMENT = 10;

type PoolOptions = { threads?: number; filename?: string; queueMax?: number };
// pool: undefined = not decided yet; null = bcrypt runs on the main thread.
// inFlight and recentWaitMs live here too: one budget per process, whichever bundle layer asks.
type Holder = { pool?: Piscina | null; options?: PoolOptions; inFlight?: number; recentWaitMs?: number };
const globalForPool = globalThis as unknown as { __gatehouseBcryptPool?: Holder };
const holder: Holder = (globalForPool.__gatehouseBcryptPool ??= {});

/** Threads to start: BCRYPT_WORKERS (parsed in lib/env.ts), or one per core when unset. */
export function configuredBcryptThreads(workers: number | undefined = getEnv().BCRYPT_WORKERS): number {
  return workers ?? os.availableParallelism();
}

// Eight tasks per thread: at cost 12 (~250 ms a task) the last one admitted waits about 2 s;
// a burst beyond that is told "busy, retry in N s" instead of waiting longer and longer.
const QUEUE_PER_THREAD = 8;

/** Tasks queued + running this process accepts: PASSWORD_QUEUE_MAX, or 8 per worker thread (8 on the main thread). */
export function passwordQueueMax(): number {
  return holder.options?.queueMax ?? getEnv().PASSWORD_QUEUE_MAX ?? QUEUE_PER_THREAD * Math.max(1, holder.options?.threads ?? configuredBcryptThreads());
}

/** Tasks admitted and not finished yet (tests watch it). */
export function bcryptTasksInFlight(): number {
  return holder.inFlight ?? 0;
}

/** The bcrypt budget is spent: refused at once, never queued. */
export class PasswordQueueFullError extends AuthError {
  constructor(retryAfter: number) {
    super("busy", BUSY_MESSAGE, retryAfter);
    this.name = "PasswordQueueFullError";
  }
}

// One task's time at cost 12 on one core: the guess before any task has finished.
const INITIAL_TASK_MS = 250;

/**
 * The Retry-After of a busy answer: how long recent tasks took from admission
 * to answer (what a task admitted now would wait), or before any, a guess from
 * the tasks in flight.
 */
function drainSeconds(): number {
  const threads = Math.max(1, currentPool()?.maxThreads ?? 1);
  const ms = holder.recentWaitMs ?? ((holder.inFlight ?? 0) * INITIAL_TASK_MS) / threads;
  return Math.max(1, Math.ceil(ms / 1000));
}

function createPool(): Piscina | null {
  const threads = holder.options?.threads ?? configuredBcryptThreads();
  if (threads === 0) return null;
  const filename = holder.options?.filename ?? BCRYPT_WORKER_FILE;
  if (!existsSync(filename)) {
    log().warn({ filename }, "bcrypt worker file not found: hashing on the main thread");
    return null;
  }
  try {
    const pool = new Piscina({
      filename,
      minThreads: threads,
      maxThreads: threads,
      // Workers are plain Node: no test runner, tsx loader or preload scripts of the parent.
      execArgv: [],
      niceIncrement: WORKER_NICE_INCREMENT,
    });
    // A worker that fails while idle (its file does not load) is reported here, not
    // through a task; unhandled, the 'error' event would end the process.
    pool.on("error", (err: unknown) => abandonPool(pool, err));
    return pool;
  } catch (err) {
    log().warn({ err: err instanceof Error ? err.message : String(err) }, "bcrypt worker pool unavailable: hashing on the main thread");
    return null;
  }
}

/** A broken pool: switch this process to main-thread bcrypt, once, and stop its workers. */
function abandonPool(pool: Piscina, err: unknown): void {
  if (holder.pool !== pool) return;
  holder.pool = null;
  log().warn({ err: err instanceof Error ? err.message : String(err) }, "bcrypt worker failed: hashing on the main thread from now on");
  pool.destroy().catch(() => {});
}

function currentPool(): Piscina | null {
  if (holder.pool === undefined) holder.pool = createPool();
  return holder.pool;
}

/** The main-thread path: the fallback, and the blocking baseline the tests compare against. */
export function runBcryptInThread(task: HashTask): Promise<string>;
export function runBcryptInThread(task: CompareTask): Promise<boolean>;
export function runBcryptInThread(task: BcryptTask): Promise<string | boolean>;
export async function runBcryptInThread(task: BcryptTask): Promise<string | boolean> {
  return task.op === "hash" ? bcrypt.hash(task.password, task.cost) : bcrypt.compare(task.password, task.hash);
}

/**
 * Run one bcrypt task on the pool. A failure of bcrypt itself (malformed hash)
 * throws as bcryptjs would; a failure of the pool (a worker that cannot load or
 * dies) switches this process to the main thread and reruns the task there, so
 * a compare never turns into a wrong answer.
 */
export function runBcrypt(task: HashTask): Promise<string>;
export function runBcrypt(task: CompareTask): Promise<boolean>;
export function runBcrypt(task: BcryptTask): Promise<string | boolean>;
export async function runBcrypt(task: BcryptTask): Promise<string | boolean> {
  // Admission is checked and counted in one synchronous step: no await between
  // them, so concurrent callers can never overshoot the budget.
  if ((holder.inFlight ?? 0) >= passwordQueueMax()) throw new PasswordQueueFullError(drainSeconds());
  holder.inFlight = (holder.inFlight ?? 0) + 1;
  const started = performance.now();
  try {
    return await runAdmitted(task);
  } finally {
    holder.inFlight = (holder.inFlight ?? 1) - 1;
    const ms = performance.now() - started;
    holder.recentWaitMs = holder.recentWaitMs === undefined ? ms : holder.recentWaitMs * 0.8 + ms * 0.2;
  }
}

async function runAdmitted(task: BcryptTask): Promise<string | boolean> {
  const pool = currentPool();
  if (!pool) return runBcryptInThread(task);
  let result: TaskResult;
  try {
    result = (await pool.run(task)) as TaskResult;
  } catch (err) {
    abandonPool(pool, err);
    return runBcryptInThread(task);
  }
  if (!result.ok) throw new Error(result.message);
  if (typeof result.value !== (task.op === "hash" ? "string" : "boolean")) throw new Error("bcrypt worker answered the wrong type");
  return result.value;
}

/** Worker threads in use (0 = bcrypt on the main thread). Starts the pool if needed. */
export function bcryptThreads(): number {
  return currentPool()?.maxThreads ?? 0;
}

/**
 * Stop the pool (scripts and tests). The next task starts a new one, with
 * `options` in place of the environment's settings when given.
 */
export async function resetBcryptPool(options?: PoolOptions): Promise<void> {
  const pool = holder.pool;
  holder.pool = undefined;
  holder.options = options;
  if (pool) await pool.destroy();
}
