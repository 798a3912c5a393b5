import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { migrate, pgliteExecutor } from "../../lib/db/migrate";
import { TEMPLATE_DUMP } from "../helpers/db";

/**
 * Once per test run. On PGlite: migrate one fresh instance and dump its data
 * directory; every test file then loads that dump (~0.5 s) instead of running
 * initdb and the migrations (~3 s and up to 0.9 GB each).
 * On PostgreSQL (TEST_DATABASE_URL): check the server answers; each test file
 * migrates a schema of its own inside that database.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.end();
    return;
  }
  mkdirSync(path.dirname(TEMPLATE_DUMP), { recursive: true });
  const db = new PGlite();
  await migrate(pgliteExecutor(db));
  const dump = await db.dumpDataDir("gzip");
  writeFileSync(TEMPLATE_DUMP, Buffer.from(await dump.arrayBuffer()));
  await db.close();
}
