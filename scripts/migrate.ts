/**
 * npm run db:migrate — apply pending migrations to DATABASE_URL, or to the
 * embedded database when none is set. Needs no signing secret: a migration job
 * should not hold one. Prints what it did; exits non-zero on failure.
 */
import path from "node:path";
import { Client } from "pg";
import { DATA_DIR } from "../lib/env";
import { openEmbeddedDb } from "../lib/db/embedded";
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
    // Refuses (EmbeddedDbLockedError) while the app has the directory open.
    const db = await openEmbeddedDb(embeddedDir);
    try {
      const r = await migrate(pgliteExecutor(db.pglite), { log });
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
