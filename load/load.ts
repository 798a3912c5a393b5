import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Client } from "pg";
import { BCRYPT_COST, createDatabase, launchApp, type AppProcess, type Database } from "./lib/app";
import { Api, Stats, clientIp, printRouteTable, sleep, table } from "./lib/client";
import { StepFailed, mailedCode, register, signedInRound, verify, type Step } from "./lib/flow";
import { startMailSink, type MailSink } from "./lib/mail-sink";
import { Checks, machine, machineCpuMs, processCpuMs, run } from "./lib/report";

/**
 * Issue #9 load test: LOAD_VUS virtual users (default 200) for LOAD_SECONDS
 * (default 60), each looping register → code from the real mail → verify →
 * password grant → refresh grant → GET /api/me → logout against `next start`
 * of the production build on a fresh PostgreSQL database. See load/README.md.
 */

const VUS = Number(process.env.LOAD_VUS ?? 200);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
// A virtual user that started its last journey before the deadline may finish it within this.
const DRAIN_SECONDS = Number(process.env.LOAD_DRAIN_SECONDS ?? 120);
const BASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

let app: AppProcess | undefined;
let db: Database | undefined;
let sink: MailSink | undefined;

type Failure = { vu: number; step: Step | "other"; detail: string };

async function main(): Promise<number> {
  const checks = new Checks();
  const runId = randomBytes(3).toString("hex");
  console.log(`# Load test: ${VUS} virtual users × ${SECONDS} s`);
  console.log(`Machine: ${machine()}`);
  console.log(`App: next start (production build), bcrypt cost ${BCRYPT_COST} (NODE_ENV=${BCRYPT_COST >= 12 ? "production" : "test"}), DATABASE_POOL_SIZE=${process.env.LOAD_POOL_SIZE ?? 10}, TRUST_PROXY_HEADER=x-forwarded-for (one address per journey)`);

  sink = await startMailSink();
  db = await createDatabase(BASE_URL);
  app = await launchApp({ databaseUrl: db.url, smtpUrl: sink.url });
  const stats = new Stats();
  const api = new Api(app.port, `localhost:${app.port}`, stats);

  const registered = new Set<string>();
  const failures: Failure[] = [];
  const completedBySteps = { journeys: 0 };
  const cpuBefore = { app: processCpuMs(app.pid), generator: process.cpuUsage(), machine: machineCpuMs() };
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  const rampMs = Math.min(5_000, (SECONDS * 1000) / 4);

  const vu = async (n: number) => {
    await sleep((rampMs * n) / VUS);
    for (let i = 0; performance.now() < deadline; i++) {
      // One address per journey: a new person on a new device each time.
      const ip = clientIp(n * 4096 + (i % 4096));
      const email = `vu${n}-${i}-${runId}@load.test`;
      try {
        await register(api, ip, email);
        registered.add(email);
        let code: string;
        try {
          code = await mailedCode(sink!, email, 60_000);
        } catch (err) {
          failures.push({ vu: n, step: "mail", detail: String(err) });
          continue;
        }
        // verify-email signs in too; that session stays open (a second device, say).
        await verify(api, ip, email, code);
        await signedInRound(api, ip, email);
        completedBySteps.journeys++;
      } catch (err) {
        if (err instanceof StepFailed) failures.push({ vu: n, step: err.step, detail: err.message });
        else failures.push({ vu: n, step: "other", detail: String(err) });
        await sleep(500);
      }
    }
  };

  const progress = setInterval(() => {
    const s = ((performance.now() - started) / 1000).toFixed(0);
    console.log(`  t=${s}s  journeys=${completedBySteps.journeys}  requests=${stats.answers.length}  failures=${failures.length}`);
  }, 10_000);
  const all = Promise.all(Array.from({ length: VUS }, (_, n) => vu(n)));
  const drained = await Promise.race([all.then(() => true), sleep((SECONDS + DRAIN_SECONDS) * 1000).then(() => false)]);
  clearInterval(progress);
  const elapsed = (performance.now() - started) / 1000;
  const gen = process.cpuUsage(cpuBefore.generator);
  const mach = machineCpuMs();
  const cpu = {
    app: (processCpuMs(app.pid) - cpuBefore.app) / 1000,
    generator: (gen.user + gen.system) / 1e6,
    busy: (mach.busy - cpuBefore.machine.busy) / 1000,
    capacity: (mach.total - cpuBefore.machine.total) / 1000,
  };

  console.log(`\n## Requests by route and status (${stats.answers.length} requests in ${elapsed.toFixed(1)} s, ${(stats.answers.length / elapsed).toFixed(1)} req/s)\n`);
  printRouteTable(stats);

  console.log(`\n## Journeys\n`);
  table(
    ["measure", "value"],
    [
      ["journeys completed (register … logout)", completedBySteps.journeys],
      ["journeys per second", (completedBySteps.journeys / elapsed).toFixed(2)],
      ["accounts registered (202)", registered.size],
      ["mails received by the sink", sink.received()],
      ["failed journeys", failures.length],
      ["CPU: app (next start, bcrypt workers included)", `${cpu.app.toFixed(1)} s (${((cpu.app / Math.max(1, completedBySteps.journeys)) * 1000).toFixed(0)} ms per journey)`],
      ["CPU: load generator + SMTP sink (this process)", `${cpu.generator.toFixed(1)} s`],
      ["CPU: whole machine busy / available", `${cpu.busy.toFixed(1)} s / ${cpu.capacity.toFixed(1)} s (PostgreSQL and other users' work included)`],
    ],
  );
  const byStep = new Map<string, Failure[]>();
  for (const f of failures) byStep.set(f.step, [...(byStep.get(f.step) ?? []), f]);
  if (failures.length) {
    console.log(`\nFailed journeys by step:`);
    for (const [step, list] of byStep) console.log(`  ${step}: ${list.length} (first: ${list[0]!.detail})`);
  }

  console.log(`\n## Expectations\n`);
  checks.check("every virtual user finished its last journey", drained, drained ? "" : `still running ${DRAIN_SECONDS} s after the deadline`);
  const serverErrors = stats.serverErrors();
  checks.check("no answer ≥ 500", serverErrors.length === 0, serverErrors.length ? `${serverErrors.length}; first: ${serverErrors[0]!.route} ${serverErrors[0]!.status} ${serverErrors[0]!.text.slice(0, 200)}` : "");
  const noAnswer = stats.answers.filter((a) => a.status === 0);
  checks.check("every request answered (no refused or reset connection)", noAnswer.length === 0, noAnswer.length ? `${noAnswer.length}; first: ${noAnswer[0]!.route} ${noAnswer[0]!.error}` : "");
  checks.check("no journey failed", failures.length === 0, failures.length ? `${failures.length}` : "");
  const signedOut = (byStep.get("refresh")?.length ?? 0) + (byStep.get("me")?.length ?? 0);
  checks.check("no user signed out unexpectedly (every refresh and /api/me of a live session succeeded)", signedOut === 0, signedOut ? `${signedOut} refresh or /api/me failures` : "");
  checks.check("some journeys completed", completedBySteps.journeys > 0);

  // The database after the run: every account that got its 202 exists once and is verified.
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const { rows } = await pg.query<{ email: string; verified: boolean }>(
    "SELECT email, email_verified_at IS NOT NULL AS verified FROM users WHERE email LIKE $1",
    [`%-${runId}@load.test`],
  );
  const live = await pg.query<{ n: string }>("SELECT count(*) AS n FROM sessions WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE email LIKE $1)", [`%-${runId}@load.test`]);
  await pg.end();
  const inDb = new Map(rows.map((r) => [r.email, r.verified]));
  const missing = [...registered].filter((e) => !inDb.has(e));
  const unverified = [...registered].filter((e) => inDb.get(e) === false);
  const unexpected = rows.filter((r) => !registered.has(r.email));
  checks.check("every account created is in the database", missing.length === 0, missing.length ? `${missing.length} missing, e.g. ${missing[0]}` : `${rows.length} accounts`);
  checks.check("every account created is verified", unverified.length === 0, unverified.length ? `${unverified.length} unverified` : "");
  checks.check("no account the API did not confirm", unexpected.length === 0, unexpected.length ? `${unexpected.length}` : "");
  console.log(`(sessions still live: ${live.rows[0]?.n}: the one each verify-email opened, which the journey leaves signed in)`);

  api.close();
  if (checks.failed > 0) {
    const file = `/tmp/gh-load-app-${runId}.log`;
    writeFileSync(file, app.logs());
    console.log(`\nServer output: ${file}`);
  }
  checks.summary();
  return checks.failed;
}

run(main, async () => {
  await app?.kill("SIGTERM");
  await db?.drop();
  await sink?.stop();
});
