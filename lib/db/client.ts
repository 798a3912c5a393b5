import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { getEnv } from "../env";
import { openEmbeddedDb } from "./embedded";
import { PrismaClient, type Prisma } from "./generated/client";
import { migrate, pgExecutor, pgliteExecutor } from "./migrate";

/**
 * One Prisma client per process. With DATABASE_URL: PostgreSQL through
 * @prisma/adapter-pg. Without it: embedded PGlite under .data/pglite, migrated
 * on first use so `npm run dev` needs no setup.
 *
 * The handle lives on globalThis because Next bundles server code into several
 * layers (RSC, SSR, route handlers, instrumentation) that would otherwise each
 * open their own PGlite on the same directory and corrupt it.
 */

export type Db = PrismaClient;

type Holder = { promise?: Promise<Db>; close?: () => Promise<void> };
const globalForDb = globalThis as unknown as { __gatehouseDb?: Holder };
const holder: Holder = (globalForDb.__gatehouseDb ??= {});

/**
 * How long a query may wait for a pooled connection (or a new one to open)
 * before it fails as "database unavailable" (503).
 */
export const POOL_WAIT_MS = 5_000;

/** Called with every SQL statement the client sends (tests count database round trips with it). */
export type QueryListener = (event: Prisma.QueryEvent) => void;

function createClient(adapter: NonNullable<Prisma.PrismaClientOptions["adapter"]>, onQuery?: QueryListener): Db {
  // Prisma gives an interactive transaction only 2 s (maxWait) to get its
  // connection, less than every other query waits: under load the refresh
  // rotation failed first. Same patience for all.
  const transactionOptions = { maxWait: POOL_WAIT_MS };
  if (!onQuery) return new PrismaClient({ adapter, transactionOptions });
  const client = new PrismaClient({ adapter, transactionOptions, log: [{ emit: "event", level: "query" }] });
  client.$on("query", onQuery);
  return client;
}

/**
 * Names for Prisma's SQL so each connection parses and plans a statement once
 * and then only binds and executes it (about half of PostgreSQL's and pg's work
 * for a session check). The app sends a fixed set of statement texts; `limit`
 * bounds the set anyway (a list of varying length makes a new text each time):
 * texts past it run unnamed, as without this. Names are unique per text within
 * the process, which is what pg requires of a connection.
 */
export function statementNames(limit: number): ((query: { sql: string }) => string) | undefined {
  if (limit <= 0) return undefined;
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined && names.size < limit) {
      name = `gh_${names.size.toString(36)}`;
      names.set(sql, name);
    }
    return name ?? "";
  };
}

/** Prisma on PostgreSQL, optionally confined to one schema (tests use one per file). */
export function createPgClient(
  url: string,
  opts: { poolSize?: number; schema?: string; onQuery?: QueryListener; preparedStatements?: number } = {},
): Db {
  const adapter = new PrismaPg(
    {
      connectionString: url,
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: POOL_WAIT_MS,
      // Prisma's adapters send timestamps without an offset: pin the session to UTC
      // so instants are stored correctly whatever the server's TimeZone setting.
      options: ["-c TimeZone=UTC", ...(opts.schema ? [`-c search_path="${opts.schema}"`] : [])].join(" "),
    },
    { schema: opts.schema, statementNameGenerator: statementNames(opts.preparedStatements ?? 500) },
  );
  return createClient(adapter, opts.onQuery);
}

/** Prisma on an embedded PGlite instance. */
export function createPgliteClient(pglite: PGlite, opts: { onQuery?: QueryListener } = {}): Db {
  return createClient(new PrismaPGlite(pglite), opts.onQuery);
}

async function openFromEnv(): Promise<Db> {
  const env = getEnv();
  if (env.DATABASE_URL) {
    return createPgClient(env.DATABASE_URL, { poolSize: env.DATABASE_POOL_SIZE, preparedStatements: env.DATABASE_PREPARED_STATEMENTS });
  }
  // Locked to this process (a CLI run meanwhile refuses): see ./embedded.ts.
  const embedded = await openEmbeddedDb(env.EMBEDDED_DB_DIR);
  try {
    // The embedded database is private to this process: bring it up to date.
    await migrate(pgliteExecutor(embedded.pglite));
  } catch (err) {
    await embedded.close();
    throw err;
  }
  const db = createPgliteClient(embedded.pglite);
  holder.close = async () => {
    await db.$disconnect();
    await embedded.close();
  };
  return db;
}

/** The process-wide client, created on first use. */
export function getDb(): Promise<Db> {
  holder.promise ??= openFromEnv().catch((err: unknown) => {
    holder.promise = undefined; // let the next request try again
    throw err;
  });
  return holder.promise;
}

/** Tests and scripts: use this client instead of the one from the environment. */
export function setDb(db: Db, close?: () => Promise<void>): void {
  holder.promise = Promise.resolve(db);
  holder.close = close ?? (() => db.$disconnect());
}

/** Close the process-wide client (scripts, tests). */
export async function closeDb(): Promise<void> {
  const close = holder.close;
  if (holder.promise && !close) await (await holder.promise).$disconnect();
  holder.promise = undefined;
  holder.close = undefined;
  if (close) await close();
}

export { pgExecutor };
