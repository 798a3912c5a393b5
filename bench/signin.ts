import os from "node:os";
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
} from "./lib/harness";
import { loadSignInForm, signInOnce, signInStorm } from "./lib/sign-in";

/**
 * Sign-in throughput against the bcrypt bound. The bound is what the cores
 * could do if they did nothing but compare: cores ÷ one compare's time at the
 * server's cost. The storm: browsers signing in (server action POSTs) over 8
 * connections, each request a different user from a different address, so
 * neither the per-account lockout nor the per-IP limit interferes. Bounded to
 * ~1 minute.
 */

const USERS = 1_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);

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

    const pick = (n: number) => userEmail((n % USERS) + 1);
    await load(app, { connections: CONNECTIONS, duration: 5, timeout: 60, requests: [signInStorm(app, form, pick, PASSWORD, { ok: 0, failed: 0 })] });
    // CPU spent per sign-in, by whom: the bcrypt workers (the niced threads), the
    // event loop and Node's other threads, PostgreSQL, and this client.
    const serverPid = listeningPid(app.port);
    const monitor = await connectDb(app);
    const threadsBefore = threadCpu(serverPid);
    const backendsBefore = await backendCpu(monitor);
    const clientBefore = process.cpuUsage();

    const counts = { ok: 0, failed: 0 };
    const result = await load(app, {
      connections: CONNECTIONS,
      duration: SECONDS,
      timeout: 60,
      requests: [signInStorm(app, form, (n) => pick(n + 500), PASSWORD, counts)],
    });
    const throughput = counts.ok / result.duration;
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
    const perSignIn = (ms: number) => `${fmt(ms / counts.ok)} ms`;
    const total = cpu.workers + cpu.main + cpu.other + cpu.postgres + cpu.client;
    if (process.env.BCRYPT_WORKERS !== "0") assertPoolUsed(app);

    console.log(`\nbcrypt cost ${BCRYPT_COST}; one compare ${fmt(compareMs)} ms; server BCRYPT_WORKERS=${process.env.BCRYPT_WORKERS ?? `(default: ${cores})`}`);
    console.log(`${CONNECTIONS} connections for ${result.duration} s: ${counts.ok} sign-ins, ${counts.failed} failed, ${result.errors} errors\n`);
    table(
      ["measure", "value"],
      [
        ["bcrypt bound (cores ÷ compare time)", `${fmt(bound, 2)} /s`],
        ["sign-in throughput", `${fmt(throughput, 2)} /s`],
        ["sign-in latency p50 / p99", `${result.latency.p50} / ${result.latency.p99} ms`],
        ["**throughput ÷ bound** (goal ≥ 0.9)", `**${fmt(throughput / bound, 2)}×**`],
      ],
    );
    console.log(`\nCPU time per sign-in during the storm (${cores} cores = ${fmt((cores * 1000) / throughput)} ms of CPU available per sign-in at this throughput)\n`);
    table(
      ["who", "CPU per sign-in"],
      [
        ["bcrypt workers (niced threads)", perSignIn(cpu.workers)],
        ["event loop (Next main thread)", perSignIn(cpu.main)],
        ["Node's other threads (GC, libuv)", perSignIn(cpu.other)],
        ["PostgreSQL backends", perSignIn(cpu.postgres)],
        ["benchmark client", perSignIn(cpu.client)],
        ["total", perSignIn(total)],
        ["ceiling if the cores did only this work: cores ÷ total, ÷ bound", `${fmt((cores * 1000 * counts.ok) / total / bound, 2)}×`],
      ],
    );
    if (counts.failed > 0 || counts.ok === 0) throw new Error(`${counts.failed} sign-ins failed`);
  } finally {
    await app.stop();
  }
});
