import { getDb } from "../db/client";
import { getEnv } from "../env";
import { log } from "../log";

/**
 * Housekeeping without an external scheduler: expired rate-limit rows and
 * audit rows older than AUDIT_RETENTION_DAYS are deleted by the app itself,
 * piggy-backing on the writes that make those tables grow (lib/data/audit.ts).
 */

/** How often a purge may run: per process, and across every instance (the claim row). */
export const PURGE_INTERVAL_SECONDS = 10 * 60;
/** Rows per DELETE: a purge never holds long locks nor one huge transaction. */
export const PURGE_BATCH_SIZE = 1000;
/** Batches per table per run; a larger backlog is finished by the next runs. */
const PURGE_MAX_BATCHES = 20;
/** The claim row, kept in rate_limits (a key no limiter uses): its expiry is the next time anyone may purge. */
export const PURGE_CLAIM_KEY = "maintenance:purge";

export type PurgeResult = { ran: false } | { ran: true; rateLimits: number; authEvents: number };

/**
 * Claim the purge for this interval, then delete in bounded batches. Several
 * instances may call this at once: the claim is one conditional upsert, so
 * exactly one of them wins until the interval has passed; the others return
 * `{ ran: false }` at once.
 */
export async function purgeExpiredRecords(): Promise<PurgeResult> {
  const db = await getDb();
  const claimed = await db.$queryRaw<Array<{ key: string }>>`
    INSERT INTO "rate_limits" ("key", "points", "expire")
    VALUES (${PURGE_CLAIM_KEY}, 1, now() + make_interval(secs => ${PURGE_INTERVAL_SECONDS}))
    ON CONFLICT ("key") DO UPDATE SET "points" = 1, "expire" = EXCLUDED."expire"
    WHERE "rate_limits"."expire" IS NULL OR "rate_limits"."expire" <= now()
    RETURNING "key"`;
  if (claimed.length === 0) return { ran: false };

  const retentionDays = getEnv().AUDIT_RETENTION_DAYS;
  let rateLimits = 0;
  let authEvents = 0;
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    // An expired window means "nothing spent": deleting it changes no limit.
    const n = await db.$executeRaw`
      DELETE FROM "rate_limits" WHERE "key" IN (
        SELECT "key" FROM "rate_limits" WHERE "expire" < now() LIMIT ${PURGE_BATCH_SIZE})`;
    rateLimits += n;
    if (n < PURGE_BATCH_SIZE) break;
  }
  for (let i = 0; i < PURGE_MAX_BATCHES; i++) {
    const n = await db.$executeRaw`
      DELETE FROM "auth_events" WHERE "id" IN (
        SELECT "id" FROM "auth_events" WHERE "created_at" < now() - make_interval(days => ${retentionDays}) LIMIT ${PURGE_BATCH_SIZE})`;
    authEvents += n;
    if (n < PURGE_BATCH_SIZE) break;
  }
  if (rateLimits + authEvents > 0) log().info({ rateLimits, authEvents, retentionDays }, "purged expired rate limits and old audit events");
  return { ran: true, rateLimits, authEvents };
}

// The first purge of a process waits one interval (a crash-looping process does
// not purge on every start); then at most one attempt per interval.
let nextAttemptAt = Date.now() + PURGE_INTERVAL_SECONDS * 1000;
let running: Promise<void> | undefined;

/** Start a purge in the background if this process has not tried within the interval. Never throws, never waits. */
export function purgeIfDue(): void {
  const now = Date.now();
  if (running || now < nextAttemptAt) return;
  nextAttemptAt = now + PURGE_INTERVAL_SECONDS * 1000;
  running = purgeExpiredRecords()
    .then(() => undefined)
    .catch((err: unknown) => {
      // Housekeeping failing must never fail the request that happened to start it.
      log().warn({ err }, "could not purge expired rate limits and old audit events");
    })
    .finally(() => {
      running = undefined;
    });
}

/** Tests only: make the next purgeIfDue() call start a purge. */
export function resetPurgeScheduleForTests(): void {
  nextAttemptAt = 0;
}

/** Tests only: wait for a purge started by purgeIfDue(). */
export async function settlePurgeForTests(): Promise<void> {
  await running;
}
