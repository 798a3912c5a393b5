import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";
import { migrate, pgExecutor } from "../../lib/db/migrate";

export type AppServer = {
  url: string;
  port: number;
  databaseUrl?: string;
  logs: () => string;
  stop: () => Promise<void>;
};

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** A fresh, migrated PostgreSQL database on `baseUrl`'s server (TEST_DATABASE_URL's, or the local one). */
export async function freshDatabase(
  baseUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  prefix = "gh_e2e",
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: baseUrl });
    c.on("error", () => {});
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  await migrate(pgExecutor(c));
  await c.end();
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export type NextProcess = {
  /** http://127.0.0.1:<port>, where it listens. */
  origin: string;
  port: number;
  pid: number;
  logs: () => string;
  /** Send `signal` (SIGTERM by default; SIGKILL after 5 s) and wait for the process to end. */
  kill: (signal?: NodeJS.Signals) => Promise<void>;
};

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/**
 * `node next start` of the production build in .next/ on 127.0.0.1:`port`, with the
 * client-IP preload and exactly `env` (nothing inherited but PATH and HOME;
 * NODE_ENV is "production" unless `env` says otherwise); resolves once it
 * answers /api/health. Shared by the browser tests, the fuzz suite's second
 * instance, the benchmarks and the load and fault runs.
 */
export async function spawnNextStart(
  port: number,
  env: Record<string, string>,
  { healthTimeoutMs = 90_000, cwd }: { healthTimeoutMs?: number; cwd?: string } = {},
): Promise<NextProcess> {
  let output = "";
  // Extra flags for the server's node, e.g. NEXT_START_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
  // to profile it (Node refuses --cpu-prof in NODE_OPTIONS).
  const nodeArgs = process.env.NEXT_START_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--require", "./scripts/client-ip.cjs", "node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      cwd,
    },
  );
  children.add(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      children.delete(child);
      resolve();
    }),
  );
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + healthTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`next start exited early:\n${output}`);
    if (await fetch(`${origin}/api/health`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`next start did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    origin,
    port,
    pid: child.pid ?? -1,
    logs: () => output,
    kill: async (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export type StartOptions = {
  /** The app to start (a directory with a production build); default: this one. */
  cwd?: string;
  /** Use this database (left in place on stop) instead of a fresh one. */
  databaseUrl?: string;
};

/** `next start` on a free port with its own database; resolves when it answers /api/health. */
export async function startApp(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<AppServer> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const db = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => {} } : await freshDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gh-e2e-"));
  const server = await spawnNextStart(
    port,
    {
      NODE_ENV: "production",
      APP_URL: url,
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: "5",
      JWT_SECRET: `e2e-${randomBytes(32).toString("base64url")}`,
      GATEHOUSE_DATA_DIR: dataDir,
      MAIL_FROM: "Gatehouse <no-reply@gatehouse.test>",
      LOG_LEVEL: "warn",
      ...env,
    },
    { healthTimeoutMs: 60_000, cwd: opts.cwd },
  );
  return {
    url,
    port,
    databaseUrl: db.url,
    logs: server.logs,
    stop: async () => {
      await server.kill();
      await db.drop();
    },
  };
}
