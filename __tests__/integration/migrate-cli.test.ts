import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "pg";

// `npm run db:migrate` as a deploy runs it: separate processes, possibly
// several at once (one per starting instance). On PostgreSQL: TEST_DATABASE_URL
// (always set in CI, where a server that does not answer fails the run), or the
// local server when it answers. The embedded-database path of the script is
// exercised in every mode.

const ROOT = path.resolve(__dirname, "../..");
const LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";
// The advisory-lock key `prisma migrate` (and lib/db/migrate.ts) takes.
const PRISMA_LOCK_KEY = 72707369;

const names = readdirSync(path.join(ROOT, "prisma/migrations"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

/** Synchronous (collection time) check that a PostgreSQL server answers at `url`. */
function serverAnswers(url: string): boolean {
  const probe = `const { Client } = require("pg");
const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ["-e", probe, url], { cwd: ROOT, timeout: 10_000 }).status === 0;
}

const serverUrl = process.env.TEST_DATABASE_URL ?? (serverAnswers(LOCAL_SERVER) ? LOCAL_SERVER : undefined);

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; exited: boolean };

const children = new Set<ChildProcess>();

/** Start `npm run db:migrate` with `env` added; `run.exited` turns true when it ends. */
function startMigrate(env: Record<string, string | undefined>): { run: Run; done: Promise<Run> } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  // Its own process group, so npm, tsx and node can all be killed together.
  const child = spawn("npm", ["run", "--silent", "db:migrate"], { cwd: ROOT, env: childEnv, detached: true });
  children.add(child);
  const run: Run = { code: null, signal: null, stdout: "", stderr: "", exited: false };
  child.stdout?.on("data", (b: Buffer) => (run.stdout += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (run.stderr += b.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      children.delete(child);
      Object.assign(run, { code, signal, exited: true });
      resolve(run);
    });
  });
  return { run, done };
}

function killChildren(): void {
  for (const child of children) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  children.clear();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `N applied, M already applied` line a run printed. */
const summary = (run: Run) => /\[db:migrate\] (\d+ applied, \d+ already applied.*)$/m.exec(run.stdout)?.[1] ?? run.stdout;

afterEach(() => {
  killChildren();
});

if (serverUrl) {
  describe("npm run db:migrate on PostgreSQL", () => {
    const database = `gatehouse_cli_${process.pid}_${randomBytes(4).toString("hex")}`;
    let admin: Client;
    let databaseUrl: string;

    beforeAll(async () => {
      admin = new Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`);
      const u = new URL(serverUrl);
      u.pathname = `/${database}`;
      databaseUrl = u.toString();
    });

    afterAll(async () => {
      killChildren();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    });

    it("two processes started at once both exit 0 and record every migration exactly once", async () => {
      // Hold the migration lock until both processes are provably waiting for it, then let them race.
      const holder = new Client({ connectionString: databaseUrl });
      await holder.connect();
      try {
        await holder.query("SELECT pg_advisory_lock($1)", [PRISMA_LOCK_KEY]);
        const a = startMigrate({ DATABASE_URL: databaseUrl });
        const b = startMigrate({ DATABASE_URL: databaseUrl });
        try {
          await waitFor(
            "both db:migrate processes to wait for the migration lock",
            async () => {
              for (const { run } of [a, b]) {
                if (run.exited) throw new Error(`db:migrate exited early (${run.code}):\n${run.stdout}${run.stderr}`);
              }
              const { rows } = await holder.query<{ waiting: number }>(
                `SELECT count(*)::int AS waiting FROM pg_locks
                  WHERE locktype = 'advisory' AND NOT granted AND objid = $1
                    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
                [PRISMA_LOCK_KEY],
              );
              return rows[0]?.waiting === 2;
            },
            60_000,
          );
        } finally {
          await holder.query("SELECT pg_advisory_unlock($1)", [PRISMA_LOCK_KEY]);
        }
        const runs = await Promise.all([a.done, b.done]);

        for (const run of runs) expect(run).toMatchObject({ code: 0, signal: null });
        expect(runs.map(summary).sort()).toEqual([
          `0 applied, ${names.length} already applied`,
          `${names.length} applied, 0 already applied`,
        ]);
        const { rows } = await holder.query<{ migration_name: string; finished: boolean }>(
          `SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`,
        );
        expect(rows).toEqual(names.map((migration_name) => ({ migration_name, finished: true })));
      } finally {
        await holder.end();
      }
    }, 120_000);
  });
} else {
  // Not a skip: CI always sets TEST_DATABASE_URL. Say plainly what did not run here.
  console.warn(
    "migrate-cli.test.ts: no PostgreSQL (TEST_DATABASE_URL unset, nothing answers at 127.0.0.1:5432): " +
      "the concurrent db:migrate test on PostgreSQL did not run",
  );
}

describe("npm run db:migrate without PostgreSQL", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-embedded-"));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("without DATABASE_URL migrates EMBEDDED_DB_DIR, and a second run finds everything applied", async () => {
    const env = { DATABASE_URL: undefined, EMBEDDED_DB_DIR: path.join(dir, "pglite") };

    const first = await startMigrate(env).done;
    expect(first).toMatchObject({ code: 0, signal: null });
    expect(summary(first)).toBe(`${names.length} applied, 0 already applied (embedded database)`);

    const second = await startMigrate(env).done;
    expect(second).toMatchObject({ code: 0, signal: null });
    expect(summary(second)).toBe(`0 applied, ${names.length} already applied (embedded database)`);
  }, 120_000);

  it("exits 1 with the reason on stderr when the database cannot be reached", async () => {
    // A port nothing listens on: the connection is refused.
    const run = await startMigrate({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" }).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^\[db:migrate\] .*ECONNREFUSED/m);
  }, 120_000);
});
