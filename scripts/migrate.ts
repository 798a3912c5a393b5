/**
 * npm run db:migrate — apply pending migrations to DATABASE_URL, or to the
 * embedded database when none is set. Prints what it did; exits non-zero on failure.
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { getEnv } from "../lib/env";
import { migrate, pgExecutor, pgliteExecutor } from "../lib/db/migrate";

async function main(): Promise<void> {
  const env = getEnv();
  const log = (msg: string) => console.log(`[db:migrate] ${msg}`);
  if (env.DATABASE_URL) {
    const client = new Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const r = await migrate(pgExecutor(client), { log });
      log(`${r.applied.length} applied, ${r.alreadyApplied.length} already applied`);
    } finally {
      await client.end();
    }
  } else {
    mkdirSync(env.EMBEDDED_DB_DIR, { recursive: true });
    const db = new PGlite(env.EMBEDDED_DB_DIR);
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
