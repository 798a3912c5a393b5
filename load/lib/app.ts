import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { freePort } from "../../e2e/helpers/server";
import { migrate, pgExecutor } from "../../lib/db/migrate";

/**
 * `next start` of the production build, like e2e/helpers/server.ts, but as a
 * process the fault tests can SIGKILL and start again on the same database,
 * port and secrets.
 */

/**
 * bcrypt cost of the app under test. Default 4, the minimum lib/env.ts allows
 * outside production, so 200 virtual users make progress on 2 cores. lib/env.ts
 * refuses a cost below 12 when NODE_ENV=production, so below 12 the server runs
 * with NODE_ENV=test. Only lib/env.ts reads NODE_ENV at run time: the build
 * inlined "production" everywhere else (cookies, CSP, HSTS, dev mailbox off).
 */
export const BCRYPT_COST = Number(process.env.BCRYPT_COST ?? 4);

export type AppProcess = {
  url: string;
  port: number;
  pid: number;
  logs(): string;
  /** Send `signal` and wait for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again: same port, database and environment. */
  restart(): Promise<AppProcess>;
};

export type Database = { url: string; drop(): Promise<void> };

/** A fresh, migrated database on the server at `baseUrl`. */
export async function createDatabase(baseUrl: string): Promise<Database> {
  const name = `gh_load_${randomBytes(5).toString("hex")}`;
  const admin = new Client({ connectionString: baseUrl });
  admin.on("error", () => {});
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  await migrate(pgExecutor(c));
  await c.end();
  return {
    url: url.toString(),
    drop: async () => {
      const a = new Client({ connectionString: baseUrl });
      a.on("error", () => {});
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

export async function launchApp(opts: { databaseUrl: string; smtpUrl: string; env?: Record<string, string>; port?: number }): Promise<AppProcess> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("No production build in .next/: run `npm run build` first.");
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gh-load-app-"));
  dataDirs.add(dataDir);
  const url = `http://localhost:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    NODE_ENV: BCRYPT_COST >= 12 ? "production" : "test",
    APP_URL: url,
    DATABASE_URL: opts.databaseUrl,
    DATABASE_POOL_SIZE: process.env.LOAD_POOL_SIZE ?? "10",
    JWT_SECRET: `load-${randomBytes(32).toString("base64url")}`,
    GATEHOUSE_DATA_DIR: dataDir,
    MAIL_FROM: "Gatehouse <no-reply@gatehouse.test>",
    SMTP_URL: opts.smtpUrl,
    BCRYPT_COST: String(BCRYPT_COST),
    // Every virtual user sends its own X-Forwarded-For, as browsers behind a
    // reverse proxy would: the per-IP limits (30/min per credential endpoint)
    // stay on, but one load generator is not one client.
    TRUST_PROXY_HEADER: "x-forwarded-for",
    LOG_LEVEL: "warn",
    ...opts.env,
  };
  return spawnApp(port, url, env as NodeJS.ProcessEnv);
}

async function spawnApp(port: number, url: string, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  let output = "";
  const child = spawn(
    process.execPath,
    ["--require", "./scripts/client-ip.cjs", "node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  running.add(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      running.delete(child);
      resolve();
    }),
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`next start exited early:\n${output}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const app: AppProcess = {
    url,
    port,
    pid: child.pid ?? -1,
    logs: () => output,
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
    restart: () => spawnApp(port, url, env),
  };
  return app;
}
