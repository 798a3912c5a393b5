import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { freePort, freshDatabase } from "../e2e/helpers/server";
import { fmt, machine, percentile, run, sleep, table } from "./lib/harness";

/**
 * Start-up: time from spawning `next start` to the first 200 of
 *   - GET /api/ping   (the server routes requests),
 *   - GET /api/health (the database answers: on a fresh embedded database this
 *                      includes creating and migrating it),
 *   - GET /sign-in    (the first page render),
 * and the peak memory (RSS summed over the server's process tree, sampled every
 * 20 ms) until then, and after 5 s of load on /sign-in and /api/health.
 * Two databases: PostgreSQL (a fresh database, migrated before the start, as
 * `npm run db:migrate` does in production) and a fresh embedded PGlite (no
 * DATABASE_URL, an empty data directory). BENCH_ROUNDS starts of each, medians.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const POLL_MS = 10;

/** RSS (bytes) of `pid` and all its descendants. */
function treeRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${p}/status`, "utf8");
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      for (const tid of readdirSafe(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8").trim();
        if (children) stack.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended
    }
  }
  return total;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

async function status(port: number, p: string): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { host: `localhost:${port}` } });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

type Start = { ping: number; health: number; page: number; startRss: number; loadedRss: number };

async function startOnce(database: "postgres" | "pglite"): Promise<Start> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gh-startup-"));
  const db = database === "postgres" ? await freshDatabase() : undefined;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    NODE_ENV: "production" as const,
    APP_URL: `http://localhost:${port}`,
    JWT_SECRET: `startup-${randomBytes(32).toString("base64url")}`,
    GATEHOUSE_DATA_DIR: dataDir,
    MAIL_FROM: "Gatehouse <no-reply@gatehouse.test>",
    // Production refuses to start without one; the start-up sends no mail, so nothing listens there.
    SMTP_URL: "smtp://127.0.0.1:1",
    LOG_LEVEL: "warn",
    ...(db ? { DATABASE_URL: db.url, DATABASE_POOL_SIZE: "10" } : { ALLOW_EMBEDDED_DB_IN_PRODUCTION: "true" }),
  };
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--require", "./scripts/client-ip.cjs", "node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), 20);
  try {
    const until200 = async (p: string): Promise<number> => {
      const deadline = performance.now() + 120_000;
      while ((await status(port, p)) !== 200) {
        if (child.exitCode !== null) throw new Error(`next start exited:\n${output}`);
        if (performance.now() > deadline) throw new Error(`no 200 from ${p} within 2 minutes:\n${output}`);
        await sleep(POLL_MS);
      }
      return performance.now() - started;
    };
    const ping = await until200("/api/ping");
    const health = await until200("/api/health");
    const page = await until200("/sign-in");
    peak = Math.max(peak, treeRss(child.pid!));
    const startRss = peak;
    for (const p of ["/sign-in", "/api/health"]) {
      await autocannon({ url: `http://127.0.0.1:${port}${p}`, headers: { host: `localhost:${port}` }, connections: 8, duration: 2.5 });
    }
    peak = Math.max(peak, treeRss(child.pid!));
    return { ping, health, page, startRss, loadedRss: peak };
  } finally {
    clearInterval(sampler);
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

run(async () => {
  if (!existsSync(".next/BUILD_ID")) throw new Error("No production build in .next/: run `npm run build` first.");
  console.log(`# bench:startup — ${machine()}`);
  const rows: (string | number)[][] = [];
  for (const database of ["postgres", "pglite"] as const) {
    const runs: Start[] = [];
    for (let i = 0; i < ROUNDS; i++) runs.push(await startOnce(database));
    const med = (f: (s: Start) => number) => percentile(runs.map(f).sort((a, b) => a - b), 50);
    const mb = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MB`;
    rows.push([
      database === "postgres" ? "PostgreSQL (migrated)" : "PGlite, fresh data directory",
      `${fmt(med((s) => s.ping), 0)} ms`,
      `**${fmt(med((s) => s.health), 0)} ms**`,
      `${fmt(med((s) => s.page), 0)} ms`,
      mb(med((s) => s.startRss)),
      `**${mb(med((s) => s.loadedRss))}**`,
      runs.map((s) => fmt(s.health, 0)).join(", "),
    ]);
  }
  console.log(`\n${ROUNDS} starts each (medians); times from spawning \`next start\`; RSS of the server's process tree\n`);
  table(
    ["database", "first 200 /api/ping", "first 200 /api/health", "first 200 /sign-in", "peak RSS to first page", "peak RSS after 5 s of load", "each start, /api/health ms"],
    rows,
  );
});
