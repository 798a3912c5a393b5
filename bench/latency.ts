import {
  assertPoolUsed,
  CONSTANT_ROUTE,
  PASSWORD,
  benchPasswordHash,
  clientIp,
  connectDb,
  fmt,
  load,
  machine,
  percentile,
  probe,
  run,
  seedUsers,
  sleep,
  startBenchApp,
  table,
  userEmail,
} from "./lib/harness";
import { loadSignInForm, signInOnce, signInStorm } from "./lib/sign-in";

/**
 * Does a sign-in storm stall everyone else? The constant-JSON route is probed
 * at a steady 50 requests/s (open loop) while browsers sign in over 8
 * connections, enough to keep every core on bcrypt. Run twice, each on a fresh
 * server: BCRYPT_WORKERS=0 (bcryptjs on the event loop, as before the pool)
 * and the worker pool (the default). ~2 minutes.
 */

const USERS = 1_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PROBE_PER_SECOND = 50;

type Outcome = { label: string; idle: number[]; storm: number[]; signIns: number; failed: number; seconds: number };

async function measure(label: string, env: Record<string, string>): Promise<Outcome> {
  const app = await startBenchApp(env);
  try {
    const db = await connectDb(app);
    await seedUsers(db, 1, USERS, benchPasswordHash());
    await db.end();
    const form = await loadSignInForm(app);
    for (let i = 0; i < 4; i++) await signInOnce(app, form, userEmail(USERS - i), PASSWORD, clientIp(200_000 + i));
    const probeOpts = { perSecond: PROBE_PER_SECOND, expectStatus: CONSTANT_ROUTE.status };
    await probe(app, CONSTANT_ROUTE.path, { ...probeOpts, seconds: 2 }); // warm-up
    const idle = await probe(app, CONSTANT_ROUTE.path, { ...probeOpts, seconds: 5 });

    const counts = { ok: 0, failed: 0 };
    const storm = load(app, {
      connections: CONNECTIONS,
      duration: SECONDS + 5,
      timeout: 60,
      requests: [signInStorm(app, form, (n) => userEmail((n % USERS) + 1), PASSWORD, counts)],
    });
    await sleep(3_000); // let the storm fill the queue
    const during = await probe(app, CONSTANT_ROUTE.path, { ...probeOpts, seconds: SECONDS });
    const result = await storm;
    if (env.BCRYPT_WORKERS !== "0") assertPoolUsed(app);
    return { label, idle, storm: during, signIns: counts.ok, failed: counts.failed, seconds: result.duration };
  } finally {
    await app.stop();
  }
}

run(async () => {
  console.log(`# bench:latency — ${machine()}`);
  const before = await measure("bcrypt on the event loop (BCRYPT_WORKERS=0)", { BCRYPT_WORKERS: "0" });
  const after = await measure("bcrypt on the worker pool (default)", {});
  console.log(
    `\nGET ${CONSTANT_ROUTE.path} probed at ${PROBE_PER_SECOND}/s for ${SECONDS} s while ${CONNECTIONS} connections sign in; idle = same probe, no storm, 5 s\n`,
  );
  table(
    ["server", "idle p99 ms", "storm p50 ms", "storm p99 ms", "storm max ms", "sign-ins/s during storm"],
    [before, after].map((o) => [
      o.label,
      fmt(percentile(o.idle, 99)),
      fmt(percentile(o.storm, 50)),
      `**${fmt(percentile(o.storm, 99))}**`,
      fmt(o.storm.at(-1) ?? NaN),
      fmt(o.signIns / o.seconds, 2),
    ]),
  );
  console.log();
  table(
    ["ratio", "value", "goal"],
    [
      ["storm p99: event loop ÷ worker pool", `${fmt(percentile(before.storm, 99) / percentile(after.storm, 99), 1)}×`, "—"],
      ["storm p99 with the pool", `${fmt(percentile(after.storm, 99))} ms`, "≤ 15 ms"],
    ],
  );
  const failed = before.failed + after.failed;
  if (failed > 0) throw new Error(`${failed} sign-ins failed`);
});
