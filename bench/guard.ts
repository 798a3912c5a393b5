import {
  backendCpu,
  listeningPid,
  threadCpu,
  CONSTANT_ROUTE,
  PASSWORD,
  benchPasswordHash,
  clientIp,
  committedTransactions,
  connectDb,
  fmt,
  load,
  machine,
  rate,
  run,
  seedUsers,
  send,
  sleep,
  startBenchApp,
  table,
  userEmail,
  type BenchApp,
} from "./lib/harness";
import { loadSignInForm, signInOnce } from "./lib/sign-in";
import { UNGUARDED_USER, unguardedBuild } from "./lib/unguarded";

/**
 * What a session check costs. Throughput (requests/s, 8 connections) of:
 *   - the constant-JSON route (GET /api/ping, no database),
 *   - /dashboard with a valid access cookie (middleware JWT check + the layout's
 *     and page's session check, deduplicated per request),
 *   - the SAME /dashboard without any check: a second server running a build of
 *     a throwaway copy of the app with the two checks patched out
 *     (bench/lib/unguarded.ts; nothing of it ships), same database,
 *   - /sign-in, the unguarded dynamic page that exists (a different page),
 *   - GET /api/me with a Bearer token (JWT + session row, JSON answer),
 * and the database round trips each makes per request. Routes are measured in
 * interleaved rounds so drift on a shared machine hits them alike. ~3 minutes
 * (plus ~2 minutes the first time, to build the unguarded copy).
 */

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COUNTED_REQUESTS = 100;
// PostgreSQL flushes a backend's statistics at most every 10 s when it goes idle.
const STATS_FLUSH_MS = 11_000;

type Route = { key: string; label: string; app: BenchApp; path: string; status: number; headers?: Record<string, string>; marker?: string };

run(async () => {
  console.log(`# bench:guard — ${machine()}`);
  const unguardedDir = unguardedBuild();
  const app = await startBenchApp();
  try {
    const db = await connectDb(app);
    await seedUsers(db, 1, 10, benchPasswordHash());
    const form = await loadSignInForm(app);
    const { accessToken } = await signInOnce(app, form, userEmail(1), PASSWORD, clientIp(1));
    const bare = await startBenchApp({}, { cwd: unguardedDir, databaseUrl: app.databaseUrl });
    const cookie = { cookie: `__Host-gh_at=${accessToken}` };

    const routes: Route[] = [
      { key: "constant", label: `constant JSON (GET ${CONSTANT_ROUTE.path})`, app, ...CONSTANT_ROUTE },
      { key: "dashboard", label: "/dashboard, guarded (valid cookie)", app, path: "/dashboard", status: 200, headers: cookie, marker: UNGUARDED_USER.name },
      { key: "bare", label: "/dashboard, same page unguarded (patched copy)", app: bare, path: "/dashboard", status: 200, headers: cookie, marker: UNGUARDED_USER.name },
      { key: "signin", label: "/sign-in page (unguarded, a different page)", app, path: "/sign-in", status: 200 },
      { key: "me", label: "GET /api/me (Bearer token)", app, path: "/api/me", status: 200, headers: { authorization: `Bearer ${accessToken}` } },
    ];
    for (const r of routes) {
      const reply = await send(r.app, { path: r.path, headers: r.headers });
      if (reply.status !== r.status) throw new Error(`${r.path} answered ${reply.status}, expected ${r.status}`);
      if (r.marker && !reply.body.includes(r.marker)) throw new Error(`${r.label} did not render the dashboard of ${r.marker}`);
      await load(r.app, { path: r.path, headers: r.headers, connections: CONNECTIONS, duration: 3 }); // warm-up
    }
    const sizes = new Map<string, number>();
    for (const r of routes) sizes.set(r.key, (await send(r.app, { path: r.path, headers: r.headers })).body.length);

    // Server CPU per request (all threads of the server's process, plus PostgreSQL's backends):
    // unlike req/s, hardly moved by other processes competing for the cores of a shared machine.
    const pids = new Map([app, bare].map((a) => [a, listeningPid(a.port)]));
    const cpuNow = async (a: BenchApp) => {
      let ms = 0;
      for (const t of threadCpu(pids.get(a)!).values()) ms += t.ms;
      for (const b of (await backendCpu(db)).values()) ms += b;
      return ms;
    };
    const cpu = new Map<string, { ms: number; requests: number }>(routes.map((r) => [r.key, { ms: 0, requests: 0 }]));

    const rates = new Map<string, number[]>(routes.map((r) => [r.key, []]));
    const p99s = new Map<string, number[]>(routes.map((r) => [r.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of round % 2 === 0 ? routes : [...routes].reverse()) {
        const cpuBefore = await cpuNow(r.app);
        const result = await load(r.app, { path: r.path, headers: r.headers, connections: CONNECTIONS, duration: SECONDS });
        const spent = cpu.get(r.key)!;
        spent.ms += (await cpuNow(r.app)) - cpuBefore;
        spent.requests += result.requests.total;
        const right = result.statusCodeStats[String(r.status)]?.count ?? 0;
        if (Number(right) !== result.requests.total || result.errors > 0) {
          throw new Error(`${r.path}: unexpected answers ${JSON.stringify(result.statusCodeStats)}, ${result.errors} errors`);
        }
        rates.get(r.key)!.push(rate(result));
        p99s.get(r.key)!.push(result.latency.p99);
      }
    }

    // Database round trips per request: committed transactions before and after N requests.
    const trips = new Map<string, number>();
    for (const r of routes.filter((x) => x.key !== "signin")) {
      await sleep(STATS_FLUSH_MS);
      const before = await committedTransactions(db);
      for (let i = 0; i < COUNTED_REQUESTS; i++) await send(r.app, { path: r.path, headers: r.headers });
      await sleep(STATS_FLUSH_MS);
      const after = await committedTransactions(db);
      trips.set(r.key, (after - before - 1) / COUNTED_REQUESTS); // minus our own "before" query
    }
    await db.end();
    await bare.stop();

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rps = (key: string) => mean(rates.get(key)!);
    console.log(`\n${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per route\n`);
    const cpuPer = (key: string) => cpu.get(key)!.ms / cpu.get(key)!.requests;
    table(
      ["route", "req/s", "p99 ms", "server CPU ms / request", "body bytes", "DB round trips / request"],
      routes.map((r) => [
        r.label,
        fmt(rps(r.key), 0),
        fmt(Math.max(...p99s.get(r.key)!), 0),
        fmt(cpuPer(r.key), 2),
        sizes.get(r.key)!,
        trips.has(r.key) ? fmt(trips.get(r.key)!, 2) : "not counted",
      ]),
    );
    console.log(`\nthe guard costs ≈ ${fmt(cpuPer("dashboard") - cpuPer("bare"), 2)} ms of server CPU per page\n`);
    table(
      ["ratio", "req/s", "from CPU per request (CPU-bound req/s)", "goal"],
      [
        ["guarded /dashboard ÷ the same page unguarded", `**${fmt(rps("dashboard") / rps("bare"), 2)}×**`, `${fmt(cpuPer("bare") / cpuPer("dashboard"), 2)}×`, "≥ 0.95× (reference 0.62×)"],
        ["guarded /dashboard ÷ unguarded /sign-in (different pages)", `${fmt(rps("dashboard") / rps("signin"), 2)}×`, `${fmt(cpuPer("signin") / cpuPer("dashboard"), 2)}×`, "—"],
        ["GET /api/me (Bearer) ÷ constant JSON", `**${fmt(rps("me") / rps("constant"), 2)}×**`, `${fmt(cpuPer("constant") / cpuPer("me"), 2)}×`, "≥ 0.75× (reference 0.52×)"],
      ],
    );
  } finally {
    await app.stop();
  }
});
