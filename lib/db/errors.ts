/**
 * Which errors mean "the database cannot be used right now" (unreachable,
 * restarting, overloaded): callers answer those 503 and never sign anyone in.
 * Everything else is a bug or a constraint, never retried as an outage.
 *
 * The shapes come from three layers, each checked against the real thing in
 * __tests__/integration/db-errors.test.ts:
 * - Prisma: PrismaClientInitializationError, P1xxx, P2024 (pool timeout), and
 *   P2028 (an interactive transaction could not start within `maxWait`, or
 *   outlived `timeout`: under load both mean "no connection to spare");
 * - @prisma/adapter-pg: `meta.driverAdapterError.cause` with a `kind`
 *   (DatabaseNotReachable, ConnectionClosed …) or, for server errors, kind
 *   "postgres" with the SQLSTATE in `code` (57P01 when PostgreSQL shuts down);
 * - pg / pg-pool errors the adapter passes through untouched, with no code
 *   at all: a pool wait that timed out, a connection that died mid-query.
 */

// Driver-adapter error kinds (Prisma 7) that mean "the database is not there".
const UNREACHABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "AuthenticationFailed",
  "TooManyConnections",
  "SocketTimeout",
  "ConnectionClosed",
]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);

/**
 * SQLSTATEs of an unavailable server: class 08 (connection exception), class 53
 * (insufficient resources: too many connections, out of memory or disk),
 * 57P01–57P03 (admin shutdown, crash shutdown, cannot connect now: starting up).
 */
export function isUnavailableSqlState(code: unknown): boolean {
  return typeof code === "string" && (/^08[0-9A-Z]{3}$/.test(code) || /^53[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code));
}

// node-postgres and pg-pool throw these as plain Errors (no code): pg-pool when
// no connection frees up within connectionTimeoutMillis, pg when the server
// closes the socket (shutdown, crash, network) under a query or an idle client.
const PG_CONNECTION_MESSAGES = new Set([
  "timeout exceeded when trying to connect",
  "Connection terminated unexpectedly",
  "Connection terminated due to connection timeout",
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
]);

/** True when an error means the database cannot be used right now. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const x = e as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      meta?: { driverAdapterError?: { cause?: { kind?: unknown; code?: unknown } } };
      cause?: unknown;
    };
    if (x.name === "PrismaClientInitializationError" || x.name === "PrismaClientRustPanicError") return true;
    if (typeof x.code === "string" && (/^P1\d{3}$/.test(x.code) || x.code === "P2024" || x.code === "P2028" || NETWORK_CODES.has(x.code))) return true;
    if (isUnavailableSqlState(x.code)) return true;
    const cause = x.meta?.driverAdapterError?.cause;
    if (typeof cause?.kind === "string" && UNREACHABLE_KINDS.has(cause.kind)) return true;
    if (cause?.kind === "postgres" && isUnavailableSqlState(cause.code)) return true;
    if (x.code === undefined && typeof x.message === "string" && PG_CONNECTION_MESSAGES.has(x.message)) return true;
    e = x.cause;
  }
  return false;
}
