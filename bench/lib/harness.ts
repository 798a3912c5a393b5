import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import autocannon, { type Options, type Result } from "autocannon";
import bcrypt from "bcryptjs";
import { Client } from "pg";
import { startApp, type AppServer, type StartOptions } from "../../e2e/helpers/server";

/**
 * What every benchmark shares: `next start` of the production build on a fresh
 * PostgreSQL database (e2e/helpers/server.ts), users seeded with SQL, a sign-in
 * driven like the browser drives it, and the machine's description.
 * Everything stays on loopback.
 */

/** The bcrypt cost the server runs with: production's minimum unless BCRYPT_COST says otherwise. */
export const BCRYPT_COST = Number(process.env.BCRYPT_COST ?? 12);
export const PASSWORD = "bench horse battery staple 2026";

export type BenchApp = AppServer & {
  /** Connect here (the server listens on 127.0.0.1 only). */
  base: string;
  /** Host and Origin headers to send: APP_URL's, so Next's and our own origin checks pass. */
  host: string;
  origin: string;
};

export async function startBenchApp(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<BenchApp> {
  if (!opts.cwd && !existsSync(".next/BUILD_ID")) {
    throw new Error("No production build in .next/: run `npm run build` first (the benchmarks measure `next start`).");
  }
  const app = await startApp({
    BCRYPT_COST: String(BCRYPT_COST),
    DATABASE_POOL_SIZE: "10",
    // Every simulated browser gets its own address in X-Forwarded-For, as behind a
    // reverse proxy, so the per-IP sign-in limit (30/min) does not cut the storm short.
    TRUST_PROXY_HEADER: "x-forwarded-for",
    // Production refuses to start without a mail server; the benchmarks send no mail.
    SMTP_URL: "smtp://127.0.0.1:1",
    ...env,
  }, opts);
  running.add(app);
  const stop = async () => {
    running.delete(app);
    await app.stop();
  };
  return { ...app, stop, base: `http://127.0.0.1:${app.port}`, host: `localhost:${app.port}`, origin: app.url };
}

// Servers still up, stopped (and their databases dropped) however the script ends.
const running = new Set<AppServer>();

/** A distinct client address per request number: 10.x.y.z. */
export function clientIp(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export function userEmail(n: number): string {
  return `user${n}@bench.test`;
}

/** One real bcrypt hash of PASSWORD at the server's cost, shared by every seeded user. */
export function benchPasswordHash(): string {
  return bcrypt.hashSync(PASSWORD, BCRYPT_COST);
}

export async function connectDb(app: BenchApp): Promise<Client> {
  const db = new Client({ connectionString: app.databaseUrl });
  // Stopping the app drops the database under this connection: not an error here.
  db.on("error", () => {});
  await db.connect();
  return db;
}

/** Verified users user<from>…user<to>@bench.test, in one INSERT … SELECT generate_series. */
export async function seedUsers(db: Client, from: number, to: number, passwordHash: string): Promise<void> {
  await db.query(
    `INSERT INTO users (id, email, name, password_hash, email_verified_at, created_at, updated_at)
     SELECT gen_random_uuid(), 'user' || n || '@bench.test', 'Bench user ' || n, $1, now(), now(), now()
     FROM generate_series($2::int, $3::int) AS n`,
    [passwordHash, from, to],
  );
  await db.query("VACUUM ANALYZE users");
}

/** Transactions the database has committed (each statement outside a transaction is one). */
export async function committedTransactions(db: Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    "SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()",
  );
  return Number(rows[0]?.n ?? 0);
}

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number };

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

type SendOptions = { method?: string; path: string; headers?: Record<string, string>; body?: string };

/** One request over loopback with APP_URL's Host header. */
export async function send(app: BenchApp, opts: SendOptions): Promise<Reply> {
  try {
    return await sendOnce(app, opts);
  } catch (err) {
    // A kept-alive socket the server closed while idle (its keep-alive timeout)
    // fails on reuse: a client artifact, so try once more on a fresh socket.
    if ((err as { reusedSocket?: boolean }).reusedSocket) return sendOnce(app, opts);
    throw err;
  }
}

function sendOnce(app: BenchApp, opts: SendOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        agent,
        host: "127.0.0.1",
        port: app.port,
        method: opts.method ?? "GET",
        path: opts.path,
        headers: { host: app.host, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - started }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET" })));
    req.end(opts.body);
  });
}

/** autocannon against the app, with APP_URL's Host header. */
export async function load(app: BenchApp, opts: Omit<Options, "url">): Promise<Result> {
  // autocannon takes the path of plain runs from the URL.
  return autocannon({ ...opts, url: `${app.base}${opts.path ?? "/"}`, headers: { host: app.host, ...opts.headers } });
}

/** Requests per second actually answered. */
export function rate(result: Result): number {
  return result.requests.total / result.duration;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Median time of one bcrypt compare at `cost`, on this thread. */
export function bcryptCompareMs(cost = BCRYPT_COST, samples = 5): number {
  const hash = bcrypt.hashSync(PASSWORD, cost);
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    bcrypt.compareSync(PASSWORD, hash);
    times.push(performance.now() - started);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

/** The machine, for the results: cores, CPU model, Node, load before the run. */
export function machine(): string {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown CPU";
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${os.availableParallelism()} cores (${model}), Node ${process.version}, load average ${load}`;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
}

/** Print rows as a Markdown table (pasteable into bench/README.md). */
export function table(headers: string[], rows: (string | number)[][]): void {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  console.log([line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n"));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Run `main`, print failures, stop any server left running (a crash or Ctrl-C
 * must not leave `next start` and its database behind), and always exit (the
 * keep-alive agent would hold the process).
 */
export function run(main: () => Promise<void>): void {
  const fail = (err: unknown) => {
    console.error(err);
    void Promise.allSettled([...running].map((app) => app.stop())).then(() => process.exit(1));
  };
  process.on("unhandledRejection", fail);
  process.on("uncaughtException", fail);
  process.once("SIGINT", () => fail(new Error("Interrupted")));
  main().then(() => process.exit(0), fail);
}

/**
 * Open-loop probe: GET `path` `perSecond` times a second for `seconds`, whether
 * or not earlier requests have answered (so a stalled server shows up as latency,
 * not as fewer samples). Returns the latencies in ms, sorted.
 */
export async function probe(
  app: BenchApp,
  path: string,
  opts: { seconds: number; perSecond: number; expectStatus: number },
): Promise<number[]> {
  const latencies: number[] = [];
  const failures: unknown[] = [];
  const pending: Promise<void>[] = [];
  const interval = 1000 / opts.perSecond;
  const end = performance.now() + opts.seconds * 1000;
  let next = performance.now();
  while (next < end) {
    pending.push(
      send(app, { path }).then(
        (r) => {
          if (r.status === opts.expectStatus) latencies.push(r.ms);
          else failures.push(new Error(`GET ${path} answered ${r.status}`));
        },
        (err: unknown) => void failures.push(err),
      ),
    );
    next += interval;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(pending);
  if (failures.length > 0) throw new Error(`${failures.length} probe requests failed; first: ${String(failures[0])}`);
  return latencies.sort((a, b) => a - b);
}

/**
 * The constant-JSON route: GET /api/ping, the app's liveness route. The same
 * small JSON body every time, no database, through the middleware and the API
 * route wrapper like every other API route.
 */
export const CONSTANT_ROUTE = { path: "/api/ping", status: 200 } as const;

/** The server logs a warning when bcrypt leaves the worker pool; a benchmark of the pool must not see one. */
export function assertPoolUsed(app: BenchApp): void {
  if (/bcrypt worker/i.test(app.logs())) throw new Error(`The server fell back to main-thread bcrypt:\n${app.logs().slice(-2000)}`);
}

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** The process listening on 127.0.0.1:`port` (found through /proc/net/tcp and its socket inode). */
export function listeningPid(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const line = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .find((l) => {
      const cols = l.trim().split(/\s+/);
      return cols[1]?.endsWith(`:${hexPort}`) && cols[3] === "0A"; // LISTEN
    });
  const inode = line?.trim().split(/\s+/)[9];
  if (!inode) throw new Error(`Nothing listens on port ${port}`);
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return Number(pid);
      }
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error(`No process owns the socket on port ${port}`);
}

function statFields(path: string): string[] {
  const stat = readFileSync(path, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
}

/** CPU time (ms) of each thread of `pid`, with its nice value. */
export function threadCpu(pid: number): Map<number, { nice: number; ms: number }> {
  const out = new Map<number, { nice: number; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = statFields(`/proc/${pid}/task/${tid}/stat`);
      out.set(Number(tid), { nice: Number(f[16]), ms: (Number(f[11]) + Number(f[12])) * CLOCK_TICK_MS });
    } catch {
      // thread ended
    }
  }
  return out;
}

/** CPU time (ms) of each PostgreSQL backend serving the app's database. */
export async function backendCpu(db: Client): Promise<Map<number, number>> {
  const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const f = statFields(`/proc/${pid}/stat`);
      out.set(pid, (Number(f[11]) + Number(f[12])) * CLOCK_TICK_MS);
    } catch {
      // PostgreSQL on another host, or the backend ended
    }
  }
  return out;
}
