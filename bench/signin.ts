import os from "node:os";
import type { Request } from "autocannon";
import {
  assertPoolUsed,
  backendCpu,
  listeningPid,
  threadCpu,
  BCRYPT_COST,
  PASSWORD,
  bcryptCompareMs,
  benchPasswordHash,
  clientIp,
  connectDb,
  fmt,
  load,
  machine,
  run,
  seedUsers,
  startBenchApp,
  table,
  userEmail,
  type BenchApp,
} from "./lib/harness";
import { loadSignInForm, signInOnce, signInStorm, tokenStorm } from "./lib/sign-in";

/**
 * Sign-in throughput against the bcrypt bound. The bound is what the cores
 * could do if they did nothing but compare: cores ÷ one compare's time at the
 * server's cost. Two storms on one server, each over 8 connections, each
 * request a different user from a different address (so neither the
 * per-account lockout nor the per-IP limit interferes):
 *   - browsers signing in through the form (server action POSTs),
 *   - API clients using the token endpoint's password grant.
 * ~1.5 minutes.
 */

const USERS = 1_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

type Counts = { ok: number; failed: number };
type Storm = { label: string; counts: Counts; seconds: number; p50: number; p99: number; cpu: Record<"workers" | "main" | "other" | "postgres" | "client", number> };

/** One storm of `SECONDS`, with the CPU each party spent: bcrypt workers (niced threads), event loop, Node's other threads, PostgreSQL, this client. */
async function storm(app: BenchApp, label: string, make: (counts: Counts) => Request): Promise<Storm> {
  await load(app, { connections: CONNECTIONS, duration: 5, timeout: 60, requests: [make({ ok: 0, failed: 0 })] }); // warm-up
  const serverPid = listeningPid(app.port);
  const monitor = await connectDb(app);
  const threadsBefore = threadCpu(serverPid);
  const backendsBefore = await backendCpu(monitor);
  const clientBefore = process.cpuUsage();

  const counts = { ok: 0, failed: 0 };
  const result = await load(app, { connections: CONNECTIONS, duration: SECONDS, timeout: 60, requests: [make(counts)] });
  const client = process.cpuUsage(clientBefore);
  const backendsAfter = await backendCpu(monitor);
  await monitor.end();
  const cpu = { workers: 0, main: 0, other: 0, postgres: 0, client: (client.user + client.system) / 1000 };
  for (const [tid, after] of threadCpu(serverPid)) {
    const spent = after.ms - (threadsBefore.get(tid)?.ms ?? 0);
    if (after.nice > 0) cpu.workers += spent;
    else if (tid === serverPid) cpu.main += spent;
    else cpu.other += spent;
  }
  for (const [pid, ms] of backendsAfter) cpu.postgres += ms - (backendsBefore.get(pid) ?? 0);
  return { label, counts, seconds: result.duration, p50: result.latency.p50, p99: result.latency.p99, cpu };
}

run(async () => {
  console.log(`# bench:signin — ${machine()}`);
  const app = await startBenchApp(process.env.BCRYPT_WORKERS !== undefined ? { BCRYPT_WORKERS: process.env.BCRYPT_WORKERS } : {});
  try {
    const db = await connectDb(app);
    await seedUsers(db, 1, USERS, benchPasswordHash());
    await db.end();
    const form = await loadSignInForm(app);
    for (let i = 0; i < 4; i++) await signInOnce(app, form, userEmail(USERS - i), PASSWORD, clientIp(200_000 + i)); // warm the routes

    // One compare, measured here while the server is idle (same CPU, same bcryptjs).
    const compareMs = bcryptCompareMs();
    const cores = os.availableParallelism();
    const bound = (cores * 1000) / compareMs;

    // Each storm signs in its own users' range, offset so no user signs in twice at once.
    const pick = (offset: number) => (n: number) => userEmail(((n + offset) % USERS) + 1);
    const storms = [
      await storm(app, "sign-in form (server action)", (counts) => signInStorm(app, form, pick(0), PASSWORD, counts)),
      await storm(app, "token endpoint (password grant)", (counts) => tokenStorm(app, pick(500), PASSWORD, counts)),
    ];
    if (process.env.BCRYPT_WORKERS !== "0") assertPoolUsed(app);

    console.log(`\nbcrypt cost ${BCRYPT_COST}; one compare ${fmt(compareMs)} ms; server BCRYPT_WORKERS=${process.env.BCRYPT_WORKERS ?? `(default: ${cores})`}`);
    console.log(`bound (cores ÷ compare time): ${fmt(bound, 2)} /s; ${CONNECTIONS} connections, ${SECONDS} s per storm\n`);
    const rate = (s: Storm) => s.counts.ok / s.seconds;
    table(
      ["storm", "sign-ins", "failed", "throughput", "p50 / p99 ms", "**throughput ÷ bound** (goal ≥ 0.9)"],
      storms.map((s) => [s.label, s.counts.ok, s.counts.failed, `${fmt(rate(s), 2)} /s`, `${s.p50} / ${s.p99}`, `**${fmt(rate(s) / bound, 2)}×**`]),
    );
    console.log(`\nCPU time per sign-in during each storm (${cores} cores)\n`);
    const per = (s: Storm, ms: number) => `${fmt(ms / s.counts.ok)} ms`;
    const total = (s: Storm) => Object.values(s.cpu).reduce((a, b) => a + b, 0);
    table(
      ["who", ...storms.map((s) => s.label)],
      [
        ["bcrypt workers (niced threads)", ...storms.map((s) => per(s, s.cpu.workers))],
        ["event loop (Next main thread)", ...storms.map((s) => per(s, s.cpu.main))],
        ["Node's other threads (GC, libuv)", ...storms.map((s) => per(s, s.cpu.other))],
        ["PostgreSQL backends", ...storms.map((s) => per(s, s.cpu.postgres))],
        ["benchmark client", ...storms.map((s) => per(s, s.cpu.client))],
        ["total", ...storms.map((s) => per(s, total(s)))],
        ["ceiling if the cores did only this work: cores ÷ total, ÷ bound", ...storms.map((s) => `${fmt((cores * 1000 * s.counts.ok) / total(s) / bound, 2)}×`)],
      ],
    );
    const failed = storms.reduce((n, s) => n + s.counts.failed, 0);
    if (failed > 0 || storms.some((s) => s.counts.ok === 0)) throw new Error(`${failed} sign-ins failed`);
  } finally {
    await app.stop();
  }
});
