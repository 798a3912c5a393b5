import {
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
} from "./lib/harness";
import { loadSignInForm, signInOnce } from "./lib/sign-in";

/**
 * What a session check costs. Throughput (requests/s, 8 connections) of:
 *   - the constant-JSON route (no database),
 *   - /sign-in, an unguarded dynamic page,
 *   - /dashboard with a valid access cookie (middleware JWT check + the layout's
 *     and page's session-row check, deduplicated per request),
 *   - GET /api/me with a Bearer token (JWT + session row, JSON answer),
 * and the database round trips each makes per request. Routes are measured in
 * interleaved rounds so drift on a shared machine hits them alike. ~2 minutes.
 */

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const COUNTED_REQUESTS = 100;
// PostgreSQL flushes a backend's statistics at most every 10 s when it goes idle.
const STATS_FLUSH_MS = 11_000;

type Route = { key: string; label: string; path: string; status: number; headers?: Record<string, string> };

run(async () => {
  console.log(`# bench:guard — ${machine()}`);
  const app = await startBenchApp();
  try {
    const db = await connectDb(app);
    await seedUsers(db, 1, 10, benchPasswordHash());
    const form = await loadSignInForm(app);
    const { accessToken } = await signInOnce(app, form, userEmail(1), PASSWORD, clientIp(1));

    const routes: Route[] = [
      { key: "constant", label: `constant JSON (GET ${CONSTANT_ROUTE.path})`, ...CONSTANT_ROUTE },
      { key: "signin", label: "/sign-in page (unguarded, dynamic)", path: "/sign-in", status: 200 },
      { key: "dashboard", label: "/dashboard page (guarded, valid cookie)", path: "/dashboard", status: 200, headers: { cookie: `__Host-gh_at=${accessToken}` } },
      { key: "me", label: "GET /api/me (Bearer token)", path: "/api/me", status: 200, headers: { authorization: `Bearer ${accessToken}` } },
    ];
    for (const r of routes) {
      const reply = await send(app, { path: r.path, headers: r.headers });
      if (reply.status !== r.status) throw new Error(`${r.path} answered ${reply.status}, expected ${r.status}`);
      await load(app, { path: r.path, headers: r.headers, connections: CONNECTIONS, duration: 3 }); // warm-up
    }

    const rates = new Map<string, number[]>(routes.map((r) => [r.key, []]));
    const p99s = new Map<string, number[]>(routes.map((r) => [r.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of round % 2 === 0 ? routes : [...routes].reverse()) {
        const result = await load(app, { path: r.path, headers: r.headers, connections: CONNECTIONS, duration: SECONDS });
        const wrong = result.statusCodeStats[String(r.status)]?.count ?? 0;
        if (Number(wrong) !== result.requests.total || result.errors > 0) {
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
      for (let i = 0; i < COUNTED_REQUESTS; i++) await send(app, { path: r.path, headers: r.headers });
      await sleep(STATS_FLUSH_MS);
      const after = await committedTransactions(db);
      trips.set(r.key, (after - before - 1) / COUNTED_REQUESTS); // minus our own "before" query
    }
    await db.end();

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rps = (key: string) => mean(rates.get(key)!);
    console.log(`\n${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s per route\n`);
    table(
      ["route", "req/s", "p99 ms", "DB round trips / request"],
      routes.map((r) => [
        r.label,
        fmt(rps(r.key), 0),
        fmt(Math.max(...p99s.get(r.key)!), 0),
        trips.has(r.key) ? fmt(trips.get(r.key)!, 2) : "not counted",
      ]),
    );
    // The same page without its guard cannot be requested (there is no unguarded copy of
    // /dashboard). Estimate it: the session check's cost per request is what /api/me
    // spends beyond the constant route (JWT + session row + a small JSON body); take it
    // away from /dashboard's time per request.
    const checkSeconds = 1 / rps("me") - 1 / rps("constant");
    const unguardedDashboard = 1 / (1 / rps("dashboard") - checkSeconds);
    console.log(`
session check ≈ ${fmt(checkSeconds * 1000, 2)} ms of server time per request (1/rate(/api/me) − 1/rate(constant))
`);
    table(
      ["ratio", "value", "goal"],
      [
        ["guarded /dashboard ÷ unguarded /sign-in (different pages)", `${fmt(rps("dashboard") / rps("signin"), 2)}×`, "≥ 0.95×"],
        ["guarded /dashboard ÷ the same page without the check (estimate)", `${fmt(rps("dashboard") / unguardedDashboard, 2)}×`, "≥ 0.95×"],
        ["GET /api/me (Bearer) ÷ constant JSON", `${fmt(rps("me") / rps("constant"), 2)}×`, "(reference 0.52×)"],
      ],
    );
  } finally {
    await app.stop();
  }
});
