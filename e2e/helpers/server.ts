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

/** A fresh, migrated PostgreSQL database on TEST_DATABASE_URL's server (or the local one). */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  const name = `gh_e2e_${randomBytes(5).toString("hex")}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  await migrate(pgExecutor(c));
  await c.end();
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
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
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    ["--require", "./scripts/client-ip.cjs", "node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/root",
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
      stdio: ["ignore", "pipe", "pipe"],
      cwd: opts.cwd,
    },
  );
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
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
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    port,
    databaseUrl: db.url,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await db.drop();
    },
  };
}
