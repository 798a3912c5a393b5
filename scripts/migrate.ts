/**
 * npm run db:migrate — apply pending migrations to DATABASE_URL, or to the
 * embedded database when none is set. Needs no signing secret: a migration job
 * should not hold one. Prints what it did; exits non-zero on failure.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { DATA_DIR } from "../lib/env";
import { migrate, pgExecutor, pgliteExecutor } from "../lib/db/migrate";

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const embeddedDir = process.env.EMBEDDED_DB_DIR || path.join(DATA_DIR, "pglite");
  const log = (msg: string) => console.log(`[db:migrate] ${msg}`);
  if (databaseUrl) {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const r = await migrate(pgExecutor(client), { log });
      log(`${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
    } finally {
      await client.end();
    }
  } else {
    mkdirSync(embeddedDir, { recursive: true });
    const db = new PGlite(embeddedDir);
    try {
      const r = await migrate(pgliteExecutor(db), { log });
      log(`${r.applied.length} applied, ${r.alreadyApplied.length} already applied (embedded database)`);
    } finally {
      await db.close();
    }
  }
}

main().catch((err: unknown) => {
  console.error(`[db:migrate] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
