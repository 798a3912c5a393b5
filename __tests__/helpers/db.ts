import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { closeDb, createPgClient, createPgliteClient, setDb, type Db, type QueryListener } from "../../lib/db/client";
import { migrate, pgExecutor } from "../../lib/db/migrate";

export const TEMPLATE_DUMP = path.resolve(__dirname, "../../.data/test/template.tar.gz");

export type TestDb = { db: Db; kind: "postgres" | "pglite"; schema?: string; close: () => Promise<void> };

/**
 * Open a private, migrated database for this test file and make it the app's client.
 * `onQuery` hears every SQL statement the app's client sends (round-trip counts).
 */
export async function openTestDb(opts: { onQuery?: QueryListener } = {}): Promise<TestDb> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const schema = `t_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`SET search_path TO "${schema}"`);
    await migrate(pgExecutor(admin));
    const db = createPgClient(url, { schema, poolSize: 5, onQuery: opts.onQuery });
    const close = async () => {
      await db.$disconnect();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    };
    setDb(db, close);
    return { db, kind: "postgres", schema, close: closeDb };
  }
  const dump = readFileSync(TEMPLATE_DUMP);
  const pglite = new PGlite({ loadDataDir: new Blob([dump]) });
  await pglite.waitReady;
  const db = createPgliteClient(pglite, { onQuery: opts.onQuery });
  const close = async () => {
    await db.$disconnect();
    await pglite.close();
  };
  setDb(db, close);
  return { db, kind: "pglite", close: closeDb };
}

const TABLES = ["auth_events", "refresh_tokens", "sessions", "reset_tokens", "otp_codes", "rate_limits", "users"];

/** Empty every table between tests (keeps the migrations table). */
export async function resetTestDb(db: Db): Promise<void> {
  await db.$executeRawUnsafe(`TRUNCATE ${TABLES.map((t) => `"${t}"`).join(", ")} CASCADE`);
}
