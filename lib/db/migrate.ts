import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { Client as PgClient } from "pg";

/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql the way
 * `prisma migrate deploy` does, keeping Prisma's own `_prisma_migrations`
 * table (same columns, same SHA-256 checksum), so either tool can take over.
 * Prisma's native schema engine cannot be downloaded on every machine; this
 * runner needs none.
 *
 * Safety: a Postgres advisory lock (Prisma's own key) serialises concurrent
 * runners, and each migration runs in a transaction with its bookkeeping row.
 */

export const MIGRATIONS_DIR = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");
// The advisory-lock key `prisma migrate` itself uses, so the two never run at once.
const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** The minimal SQL surface the runner needs: one connection. */
export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
  /** The connection (pg Client, PGlite) behind this executor; see `migrate`. */
  readonly connection?: object;
}

export function pgExecutor(client: PgClient): SqlExecutor {
  return {
    connection: client,
    async query<T>(sql: string, params?: unknown[]) {
      const res = await client.query(sql, params as unknown[]);
      return res.rows as T[];
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    connection: db,
    async query<T>(sql: string, params?: unknown[]) {
      const res = await db.query<T>(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

export type Migration = { name: string; sql: string; checksum: string };

/** Migrations on disk, oldest first. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql, "utf8").digest("hex") };
    });
}

// Prisma's own definition of its bookkeeping table.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

type Row = { migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null };

export type MigrateResult = { applied: string[]; alreadyApplied: string[] };

export type MigrateOptions = { dir?: string; log?: (msg: string) => void };

// The run in progress on each connection. An advisory lock is re-entrant within
// one session, so it cannot keep apart two runners that share a connection (one
// PGlite instance, one pg Client): their BEGIN/COMMITs would interleave and each
// would roll back the other's work. Those runners wait for each other here.
const runsByConnection = new WeakMap<object, Promise<unknown>>();

/**
 * Bring the database up to date. Safe to run from several processes at once
 * (advisory lock) and several times at once on one connection (queued in-process).
 */
export function migrate(sql: SqlExecutor, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const key = sql.connection ?? sql;
  const previous = runsByConnection.get(key) ?? Promise.resolve();
  const run = previous.then(() => migrateLocked(sql, opts));
  runsByConnection.set(key, run.catch(() => undefined));
  return run;
}

async function migrateLocked(sql: SqlExecutor, opts: MigrateOptions): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const dir = opts.dir ?? MIGRATIONS_DIR;
  // Not "nothing to apply": a wrong working directory, or a deployment that left
  // prisma/migrations behind, would otherwise leave the database silently empty.
  if (!existsSync(dir)) throw new MigrationError(`No migrations directory at ${dir}`);
  const migrations = readMigrations(dir);
  await sql.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
  try {
    await sql.exec(CREATE_MIGRATIONS_TABLE);
    const rows = await sql.query<Row>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
    );
    const done = new Map(rows.filter((r) => r.finished_at).map((r) => [r.migration_name, r]));
    const failed = rows.find((r) => !r.finished_at);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and was not rolled back; resolve it before migrating again`,
      );
    }
    const result: MigrateResult = { applied: [], alreadyApplied: [] };
    for (const m of migrations) {
      const row = done.get(m.name);
      if (row) {
        if (row.checksum !== m.checksum) {
          throw new MigrationError(`Migration ${m.name} was changed after it was applied (checksum mismatch)`);
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      await sql.exec("BEGIN");
      try {
        await sql.exec(m.sql);
        await sql.query(
          `INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
           VALUES ($1, $2, now(), $3, now(), 1)`,
          [randomUUID(), m.checksum, m.name],
        );
        await sql.exec("COMMIT");
      } catch (err) {
        await sql.exec("ROLLBACK");
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      log(`applied ${m.name}`);
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await sql.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK_KEY]);
  }
}
