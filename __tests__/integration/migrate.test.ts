import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { MigrationError, migrate, pgExecutor, pgliteExecutor, type SqlExecutor } from "@/lib/db/migrate";

// The migration runner on a fresh database: PostgreSQL when TEST_DATABASE_URL
// is set (each test in a schema of its own), otherwise one in-memory PGlite for
// the whole file (each test in a schema of its own, too).

const MIGRATIONS = path.resolve(__dirname, "../../prisma/migrations");
// The advisory-lock key `prisma migrate` uses; the runner must take the same one.
const PRISMA_LOCK_KEY = 72707369;

// Read straight from disk, independently of the runner's own readMigrations().
const onDisk = readdirSync(MIGRATIONS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()
  .map((name) => {
    const sql = readFileSync(path.join(MIGRATIONS, name, "migration.sql"));
    return { name, checksum: createHash("sha256").update(sql).digest("hex") };
  });
const names = onDisk.map((m) => m.name);
const first = names[0] ?? "";

type Connection = { sql: SqlExecutor; pid: number; close: () => Promise<void> };

/** A fresh, empty schema; `connect()` opens another connection to it (the same one on PGlite). */
type Fresh = {
  connect: () => Promise<Connection>;
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  close: () => Promise<void>;
};

const url = process.env.TEST_DATABASE_URL;
let pglite: PGlite | undefined;

// Fresh PGlite (first test) and the lock race need more than Jest's 5 s default;
// the project-level testTimeout in jest.config.mjs does not reach per-project runs.
jest.setTimeout(60_000);

async function freshSchema(): Promise<Fresh> {
  const schema = `m_${process.pid}_${randomBytes(4).toString("hex")}`;
  if (url) {
    const open = async (): Promise<Connection> => {
      const client = new Client({ connectionString: url, options: `-c search_path="${schema}"` });
      await client.connect();
      const [row] = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows;
      return { sql: pgExecutor(client), pid: row?.pid ?? 0, close: () => client.end() };
    };
    const admin = await open();
    await admin.sql.exec(`CREATE SCHEMA "${schema}"`);
    return {
      connect: open,
      query: (sql, params) => admin.sql.query(sql, params),
      close: async () => {
        await admin.sql.exec(`DROP SCHEMA "${schema}" CASCADE`);
        await admin.close();
      },
    };
  }
  pglite ??= new PGlite();
  const db = pglite;
  await db.exec(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"`);
  return {
    // One embedded instance is one session: every "connection" is the same one.
    connect: async () => ({ sql: pgliteExecutor(db), pid: 0, close: async () => {} }),
    query: async <T,>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    close: async () => {
      await db.exec(`SET search_path TO public; DROP SCHEMA "${schema}" CASCADE`);
    },
  };
}

type MigrationRow = {
  id: string;
  migration_name: string;
  checksum: string;
  started_at: Date;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
};

const migrationRows = (fresh: Fresh) =>
  fresh.query<MigrationRow>(
    `SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, applied_steps_count
       FROM "_prisma_migrations" ORDER BY migration_name`,
  );

const tableExists = async (fresh: Fresh, table: string) =>
  (await fresh.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [table]))[0]?.t != null;

/** A copy of prisma/migrations to edit; removed after the test. */
function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-migrations-"));
  cpSync(MIGRATIONS, dir, { recursive: true });
  tempDirs.push(dir);
  return dir;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const tempDirs: string[] = [];
let fresh: Fresh;
let conn: Connection;

beforeEach(async () => {
  fresh = await freshSchema();
  conn = await fresh.connect();
});

afterEach(async () => {
  await conn.close();
  await fresh.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

afterAll(async () => {
  await pglite?.close();
});

describe("migrate()", () => {
  it("has migrations to apply (the tests below would prove nothing otherwise)", () => {
    expect(names.length).toBeGreaterThan(0);
  });

  it("applies every migration to a fresh database and records each with its checksum", async () => {
    expect(await migrate(conn.sql)).toEqual({ applied: names, alreadyApplied: [] });

    expect(await migrationRows(fresh)).toEqual(
      onDisk.map((m) => ({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        migration_name: m.name,
        checksum: m.checksum,
        started_at: expect.any(Date),
        finished_at: expect.any(Date),
        rolled_back_at: null,
        applied_steps_count: 1,
      })),
    );
    const tables = await fresh.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      "_prisma_migrations",
      "auth_events",
      "otp_codes",
      "rate_limits",
      "refresh_tokens",
      "reset_tokens",
      "sessions",
      "users",
    ]);
  });

  it("does nothing the second time: nothing applied, the bookkeeping rows untouched", async () => {
    await migrate(conn.sql);
    const before = await migrationRows(fresh);

    expect(await migrate(conn.sql)).toEqual({ applied: [], alreadyApplied: names });
    expect(await migrationRows(fresh)).toEqual(before);
  });

  it("refuses a migration whose migration.sql changed after it was applied", async () => {
    const dir = copyOfMigrations();
    await migrate(conn.sql, { dir });
    const before = await migrationRows(fresh);
    // An untouched copy is accepted: the refusal below is about the edit, not the directory.
    expect(await migrate(conn.sql, { dir })).toEqual({ applied: [], alreadyApplied: names });

    appendFileSync(path.join(dir, first, "migration.sql"), "\n-- edited after it was applied\n");
    const run = migrate(conn.sql, { dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(`Migration ${first} was changed after it was applied (checksum mismatch)`);
    expect(await migrationRows(fresh)).toEqual(before);
  });

  it("rolls a failing migration back whole: no half-applied table, no row, and a fixed copy applies later", async () => {
    const dir = copyOfMigrations();
    const broken = "29991231000000_half_applied";
    const file = path.join(dir, broken, "migration.sql");
    mkdirSync(path.dirname(file));
    const good = `CREATE TABLE "half_applied" ("id" INTEGER NOT NULL);
INSERT INTO "half_applied" VALUES (1);
ALTER TABLE "users" ADD COLUMN "nickname" TEXT;
`;
    writeFileSync(file, `${good}SELECT * FROM "no_such_table";\n`);

    const run = migrate(conn.sql, { dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(new RegExp(`^Migration ${broken} failed: .*no_such_table`));

    // The migrations before it each committed on their own…
    expect((await migrationRows(fresh)).map((r) => r.migration_name)).toEqual(names);
    expect(await tableExists(fresh, "users")).toBe(true);
    // …and nothing of the failed one remains.
    expect(await tableExists(fresh, "half_applied")).toBe(false);
    const nickname = await fresh.query(
      `SELECT 1 FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'nickname'`,
    );
    expect(nickname).toEqual([]);

    // No failed row was left behind to block the next run.
    writeFileSync(file, good);
    expect(await migrate(conn.sql, { dir })).toEqual({ applied: [broken], alreadyApplied: names });
    expect(await tableExists(fresh, "half_applied")).toBe(true);
  });

  it("records a migration in the same transaction as its SQL: a failed bookkeeping insert undoes the SQL too", async () => {
    // Stands in for a crash or a lost connection between the two.
    const failingInsert: SqlExecutor = {
      connection: conn.sql.connection,
      query: (sql, params) =>
        /INSERT INTO "_prisma_migrations"/.test(sql)
          ? Promise.reject(new Error("connection lost"))
          : conn.sql.query(sql, params),
      exec: (sql) => conn.sql.exec(sql),
    };
    await expect(migrate(failingInsert)).rejects.toThrow(`Migration ${first} failed: connection lost`);
    expect(await migrationRows(fresh)).toEqual([]);
    expect(await tableExists(fresh, "users")).toBe(false);
  });

  it("refuses a migrations directory that does not exist instead of applying nothing", async () => {
    const dir = path.join(os.tmpdir(), `gatehouse-no-migrations-${randomBytes(4).toString("hex")}`);
    const run = migrate(conn.sql, { dir });
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow(`No migrations directory at ${dir}`);
    expect(await tableExists(fresh, "_prisma_migrations")).toBe(false);
  });

  it("refuses to run while a failed migration (started, never finished) is recorded", async () => {
    await migrate(conn.sql);
    await fresh.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at)
       VALUES ('00000000-0000-4000-8000-000000000000', 'x', '29991231000000_failed', now())`,
    );
    const run = migrate(conn.sql);
    await expect(run).rejects.toThrow(MigrationError);
    await expect(run).rejects.toThrow("Migration 29991231000000_failed failed earlier");
  });

  if (url) {
    it("two runners on separate connections at once apply each migration exactly once", async () => {
      // Hold Prisma's lock so both runners are provably waiting at the same time, then let them race.
      const holder = await fresh.connect();
      const a = await fresh.connect();
      const b = await fresh.connect();
      try {
        await holder.sql.query("SELECT pg_advisory_lock($1)", [PRISMA_LOCK_KEY]);
        const runs = Promise.allSettled([migrate(a.sql), migrate(b.sql)]);
        try {
          await waitFor("both runners to wait for the migration lock", async () => {
            const [row] = await holder.sql.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_locks
                WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND pid = ANY($2::int[])`,
              [PRISMA_LOCK_KEY, [a.pid, b.pid]],
            );
            return row?.waiting === 2;
          });
        } finally {
          await holder.sql.query("SELECT pg_advisory_unlock($1)", [PRISMA_LOCK_KEY]);
        }
        const results = await runs;

        const [ra, rb] = results.map((r) => {
          if (r.status === "rejected") throw r.reason;
          return r.value;
        });
        expect([...(ra?.applied ?? []), ...(rb?.applied ?? [])].sort()).toEqual(names);
        expect([ra?.applied.length, rb?.applied.length].sort()).toEqual([0, names.length]);
        const rows = await migrationRows(fresh);
        expect(rows.map((r) => r.migration_name)).toEqual(names);
        expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
      } finally {
        await Promise.all([holder.close(), a.close(), b.close()]);
      }
    });
  } else {
    it("two runners on the one embedded instance at once apply each migration exactly once", async () => {
      // One PGlite is one session, where the advisory lock is re-entrant: the
      // runner itself must queue the second run behind the first.
      const db = pglite;
      if (!db) throw new Error("no embedded instance");
      const results = await Promise.allSettled([migrate(pgliteExecutor(db)), migrate(pgliteExecutor(db))]);

      const [ra, rb] = results.map((r) => {
        if (r.status === "rejected") throw r.reason;
        return r.value;
      });
      expect(ra).toEqual({ applied: names, alreadyApplied: [] });
      expect(rb).toEqual({ applied: [], alreadyApplied: names });
      expect((await migrationRows(fresh)).map((r) => r.migration_name)).toEqual(names);
    });
  }
});
