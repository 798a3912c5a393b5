import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, freshDatabase, spawnNextStart } from "../../e2e/helpers/server";

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
export const createDatabase = (baseUrl: string): Promise<Database> => freshDatabase(baseUrl, "gh_load");

const dataDirs = new Set<string>();
process.once("exit", () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

export async function launchApp(opts: { databaseUrl: string; smtpUrl: string; env?: Record<string, string>; port?: number }): Promise<AppProcess> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("No production build in .next/: run `npm run build` first.");
  const port = opts.port ?? (await freePort());
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gh-load-app-"));
  dataDirs.add(dataDir);
  const url = `http://localhost:${port}`;
  const env: Record<string, string> = {
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
  return spawnApp(port, url, env);
}

async function spawnApp(port: number, url: string, env: Record<string, string>): Promise<AppProcess> {
  const server = await spawnNextStart(port, env);
  return {
    url,
    port,
    pid: server.pid,
    logs: server.logs,
    kill: server.kill,
    restart: () => spawnApp(port, url, env),
  };
}
