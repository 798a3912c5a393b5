import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import bcrypt from "bcryptjs";
import { Client } from "pg";

/**
 * `npm run admin:create` and `npm run admin:promote` as an operator runs them:
 * separate processes, on a fresh embedded database directory and on a fresh
 * PostgreSQL database (TEST_DATABASE_URL's server, else the local one when it
 * answers), password piped on stdin or typed at a terminal (a real pty, via
 * util-linux `script`), where it must not be echoed.
 */

const ROOT = path.resolve(__dirname, "../..");
const LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";
const PASSWORD = "correct horse battery staple 42!";

jest.setTimeout(240_000);

function serverAnswers(url: string): boolean {
  const probe = `const { Client } = require("pg");
const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ["-e", probe, url], { cwd: ROOT, timeout: 10_000 }).status === 0;
}
const serverUrl = process.env.TEST_DATABASE_URL ?? (serverAnswers(LOCAL_SERVER) ? LOCAL_SERVER : undefined);

type Run = { code: number | null; stdout: string; stderr: string };
const children = new Set<ChildProcess>();

function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, BCRYPT_COST: "4", LOG_LEVEL: "silent", ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete out[k];
  delete out.JWT_SECRET; // the CLI must not need one
  return out;
}

/** Run `npm run <script> -- …args` with `stdin` piped in (and closed). */
function npmRun(script: string, args: string[], env: Record<string, string | undefined>, stdin = ""): Promise<Run> {
  const child = spawn("npm", ["run", "--silent", script, "--", ...args], { cwd: ROOT, env: childEnv(env), detached: true });
  children.add(child);
  const run: Run = { code: null, stdout: "", stderr: "" };
  child.stdout?.on("data", (b: Buffer) => (run.stdout += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (run.stderr += b.toString()));
  child.stdin?.end(stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      children.delete(child);
      run.code = code;
      resolve(run);
    });
  });
}

afterAll(() => {
  for (const child of children) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});

/** Query a closed embedded database directory (PGlite allows one process at a time). */
async function withPglite<T>(dir: string, fn: (db: PGlite) => Promise<T>): Promise<T> {
  const db = new PGlite(dir);
  try {
    await db.waitReady;
    return await fn(db);
  } finally {
    await db.close();
  }
}

type UserRow = { id: string; email: string; name: string; role: string; verified: boolean; password_hash: string };
const USER_SQL = `SELECT "id", "email", "name", "role"::text AS "role", "email_verified_at" IS NOT NULL AS "verified", "password_hash" FROM "users" WHERE "email" = $1`;
const EVENTS_SQL = `SELECT "type", "email", "user_agent", "detail" FROM "auth_events" WHERE "email" = $1 ORDER BY "created_at"`;

describe("admin CLI on a fresh embedded database", () => {
  let dir: string;
  let env: Record<string, string | undefined>;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-admin-cli-"));
    env = { EMBEDDED_DB_DIR: path.join(dir, "pglite"), DATABASE_URL: undefined };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("admin:create migrates the new directory and creates a verified ADMIN from a piped password, once", async () => {
    expect(existsSync(path.join(dir, "pglite"))).toBe(false);
    const run = await npmRun("admin:create", ["--email", "  Ana@Example.COM ", "--name", "Ana Admin"], env, `${PASSWORD}\n`);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/created administrator ana@example\.com/);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);

    await withPglite(env.EMBEDDED_DB_DIR!, async (db) => {
      const [user] = (await db.query<UserRow>(USER_SQL, ["ana@example.com"])).rows;
      expect(user).toMatchObject({ email: "ana@example.com", name: "Ana Admin", role: "ADMIN", verified: true });
      expect(await bcrypt.compare(PASSWORD, user!.password_hash)).toBe(true);
      const events = (await db.query<{ type: string; user_agent: string; detail: unknown }>(EVENTS_SQL, ["ana@example.com"])).rows;
      expect(events).toEqual([{ type: "user_created", email: "ana@example.com", user_agent: "gatehouse-cli (admin:create)", detail: { via: "cli", role: "ADMIN", verified: true } }]);
      expect((await db.query(`SELECT count(*)::int AS n FROM "users"`)).rows).toEqual([{ n: 1 }]);
    });

    const again = await npmRun("admin:create", ["--email", "ana@example.com", "--name", "Ana Again"], env, `${PASSWORD}\n`);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/An account with ana@example\.com already exists.*admin:promote/);
  });

  it("admin:create refuses a weak or missing password and bad arguments, with a message and a non-zero exit", async () => {
    const weak = await npmRun("admin:create", ["--email", "bob@example.com", "--name", "Bob"], env, "password12345678\n");
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/Password refused: .*too easy to guess/);
    const short = await npmRun("admin:create", ["--email", "bob@example.com", "--name", "Bob"], env, "tiny\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/Password refused: Use at least 15 characters/);
    const none = await npmRun("admin:create", ["--email", "bob@example.com", "--name", "Bob"], env, "");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/No password on stdin/);
    const usage = await npmRun("admin:create", ["--email", "not-an-email"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--email: Enter a valid email address[\s\S]*--name: Enter your name[\s\S]*Usage:/);
    const unknown = await npmRun("admin:create", ["--email", "bob@example.com", "--name", "Bob", "--role", "USER"], env);
    expect(unknown.code).toBe(2);
    await withPglite(env.EMBEDDED_DB_DIR!, async (db) => {
      expect((await db.query(USER_SQL, ["bob@example.com"])).rows).toEqual([]);
    });
  });

  it("admin:promote makes an existing account an ADMIN (recorded), is idempotent, and refuses an unknown address", async () => {
    await withPglite(env.EMBEDDED_DB_DIR!, async (db) => {
      await db.query(
        `INSERT INTO "users" ("id", "email", "name", "password_hash", "updated_at") VALUES (gen_random_uuid(), 'carl@example.com', 'Carl', 'x', now())`,
      );
    });
    const run = await npmRun("admin:promote", ["--email", "CARL@example.com"], env);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/carl@example\.com is now an administrator/);
    expect(run.stdout).toMatch(/not confirmed yet/);
    const again = await npmRun("admin:promote", ["--email", "carl@example.com"], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already an administrator; nothing changed/);
    await withPglite(env.EMBEDDED_DB_DIR!, async (db) => {
      expect((await db.query<UserRow>(USER_SQL, ["carl@example.com"])).rows[0]?.role).toBe("ADMIN");
      const events = (await db.query<{ type: string; detail: unknown }>(EVENTS_SQL, ["carl@example.com"])).rows;
      expect(events).toEqual([
        expect.objectContaining({ type: "privilege_permissions_changed", detail: { via: "cli", action: "change-role", fromRole: "USER", toRole: "ADMIN" } }),
      ]);
    });
    const ghost = await npmRun("admin:promote", ["--email", "ghost@example.com"], env);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/No account with ghost@example\.com/);
  });

  it("admin:create at a terminal asks twice and never echoes the password", async () => {
    // `script` gives the command a real pty. Input is typed only once the prompt is
    // shown: before the CLI switches the terminal to raw mode, the pty itself would echo.
    const cmd = `npm run --silent admin:create -- --email dee@example.com --name Dee`;
    const child = spawn("script", ["-qfec", cmd, "/dev/null"], { cwd: ROOT, env: childEnv(env), detached: true });
    children.add(child);
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 120_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    await waitFor(/Password \(not shown\): /);
    child.stdin.write(`${PASSWORD}\r`);
    await waitFor(/Repeat the password: /);
    child.stdin.write(`${PASSWORD}\r`);
    const code = await closed;
    children.delete(child);
    expect(code).toBe(0);
    expect(out).toMatch(/created administrator dee@example\.com/);
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain("correct horse");
    await withPglite(env.EMBEDDED_DB_DIR!, async (db) => {
      const [user] = (await db.query<UserRow>(USER_SQL, ["dee@example.com"])).rows;
      expect(user?.role).toBe("ADMIN");
      expect(await bcrypt.compare(PASSWORD, user!.password_hash)).toBe(true);
    });
  });
});

if (serverUrl) {
  describe("admin CLI on a fresh PostgreSQL database", () => {
    const database = `gatehouse_admin_cli_${process.pid}_${randomBytes(4).toString("hex")}`;
    let server: Client;
    let databaseUrl: string;

    beforeAll(async () => {
      server = new Client({ connectionString: serverUrl });
      await server.connect();
      await server.query(`CREATE DATABASE "${database}"`);
      const u = new URL(serverUrl);
      u.pathname = `/${database}`;
      databaseUrl = u.toString();
    });
    afterAll(async () => {
      await server.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await server.end();
    });

    it("admin:create migrates the empty database and creates the admin; admin:promote promotes", async () => {
      const env = { DATABASE_URL: databaseUrl, EMBEDDED_DB_DIR: undefined };
      const run = await npmRun("admin:create", ["--email", "pg-admin@example.com", "--name", "Pat Admin"], env, `${PASSWORD}\r\n`);
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toMatch(/migration applied 20261125000000_init/);
      expect(run.stdout).toContain(`PostgreSQL ${new URL(serverUrl).hostname}`);
      expect(run.stdout).not.toMatch(/postgresql:\/\//);

      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        const [user] = (await db.query<UserRow>(USER_SQL, ["pg-admin@example.com"])).rows;
        expect(user).toMatchObject({ role: "ADMIN", verified: true, name: "Pat Admin" });
        expect(await bcrypt.compare(PASSWORD, user!.password_hash)).toBe(true); // the \r of a CRLF pipe is not part of it
        expect((await db.query(EVENTS_SQL, ["pg-admin@example.com"])).rows.map((r: { type: string }) => r.type)).toEqual(["user_created"]);

        await db.query(`INSERT INTO "users" ("id", "email", "name", "password_hash", "updated_at") VALUES (gen_random_uuid(), 'pg-user@example.com', 'Pg User', 'x', now())`);
        const promote = await npmRun("admin:promote", ["--email", "pg-user@example.com"], env);
        expect(promote.code).toBe(0);
        expect((await db.query<UserRow>(USER_SQL, ["pg-user@example.com"])).rows[0]?.role).toBe("ADMIN");

        const dup = await npmRun("admin:create", ["--email", "pg-user@example.com", "--name", "Dup"], env, `${PASSWORD}\n`);
        expect(dup.code).toBe(1);
        expect(dup.stderr).toMatch(/already exists/);
      } finally {
        await db.end();
      }
    });

    it("exits non-zero with a clear message when the database cannot be reached", async () => {
      const run = await npmRun("admin:promote", ["--email", "x@example.com"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/\[admin:promote\] Cannot connect to PostgreSQL 127\.0\.0\.1:1\/none/);
    });
  });
} else {
  console.warn("admin-cli.test.ts: no PostgreSQL answers (TEST_DATABASE_URL unset, nothing at 127.0.0.1:5432): the PostgreSQL CLI tests did not run");
}
