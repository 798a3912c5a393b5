import type { Client } from "pg";
import {
  PASSWORD,
  benchPasswordHash,
  clientIp,
  connectDb,
  fmt,
  machine,
  percentile,
  run,
  seedUsers,
  startBenchApp,
  table,
  userEmail,
  type BenchApp,
} from "./lib/harness";
import { loadSignInForm, signInOnce, type SignInForm } from "./lib/sign-in";

/**
 * Does sign-in slow down as the users table grows? Sign-in p50 (one at a time,
 * random users) with 1,000 users, then with 1,000,000 in the same database and
 * server. Rows are made with one INSERT … SELECT generate_series and a single
 * real bcrypt hash, not bcrypt per row. Also shows the email lookup's plan and
 * time at each size. ~3 minutes (most of it inserting a million rows).
 */

const SMALL = 1_000;
const LARGE = 1_000_000;
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 40);

let ipCounter = 0;

async function signInP50(app: BenchApp, form: SignInForm, users: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SIGN_INS; i++) {
    const n = 1 + Math.floor(Math.random() * users);
    times.push((await signInOnce(app, form, userEmail(n), PASSWORD, clientIp(++ipCounter))).ms);
  }
  return times.sort((a, b) => a - b);
}

async function lookupMs(db: Client, users: number): Promise<{ plan: string; ms: number }> {
  const email = userEmail(1 + Math.floor(Math.random() * users));
  const { rows } = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ANALYZE SELECT * FROM users WHERE email = $1`, [email]);
  const lines = rows.map((r) => r["QUERY PLAN"]);
  const ms = Number(/Execution Time: ([\d.]+) ms/.exec(lines.join("\n"))?.[1] ?? NaN);
  return { plan: lines[0]?.replace(/\s+\(cost.*$/, "").trim() ?? "?", ms };
}

run(async () => {
  console.log(`# bench:users — ${machine()}`);
  const app = await startBenchApp();
  try {
    const db = await connectDb(app);
    const hash = benchPasswordHash();
    await seedUsers(db, 1, SMALL, hash);
    const form = await loadSignInForm(app);
    await signInP50(app, form, SMALL); // warm-up
    const small = await signInP50(app, form, SMALL);
    const smallLookup = await lookupMs(db, SMALL);

    const started = performance.now();
    await seedUsers(db, SMALL + 1, LARGE, hash);
    const seedSeconds = (performance.now() - started) / 1000;
    const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM users");
    const large = await signInP50(app, form, LARGE);
    const largeLookup = await lookupMs(db, LARGE);
    await db.end();

    console.log(`\n${SIGN_INS} sequential sign-ins of random users at each size; ${Number(rows[0]?.n).toLocaleString("en-US")} users after seeding (${fmt(seedSeconds)} s)\n`);
    table(
      ["users", "sign-in p50 ms", "sign-in p90 ms", "email lookup (EXPLAIN ANALYZE)"],
      [
        [SMALL.toLocaleString("en-US"), fmt(percentile(small, 50)), fmt(percentile(small, 90)), `${smallLookup.plan}, ${fmt(smallLookup.ms, 3)} ms`],
        [LARGE.toLocaleString("en-US"), fmt(percentile(large, 50)), fmt(percentile(large, 90)), `${largeLookup.plan}, ${fmt(largeLookup.ms, 3)} ms`],
      ],
    );
    console.log();
    table(["ratio", "value", "goal"], [["p50 with 1,000,000 ÷ with 1,000", `${fmt(percentile(large, 50) / percentile(small, 50), 2)}×`, "≤ 1.1×"]]);
  } finally {
    await app.stop();
  }
});
