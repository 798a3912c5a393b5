import { randomBytes } from "node:crypto";
import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import type { Role } from "../db/generated/enums";
import { isUuid } from "../validation/ids";

/** Sessions (one per signed-in device) and their refresh-token chains. */

export type SessionWithUser = {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  /** The credentials version the session was made under. */
  securityVersion: number;
  /** The user's current one: a session whose version is behind is dead. */
  userSecurityVersion: number;
  userAgent: string | null;
  user: { id: string; email: string; name: string; role: Role; emailVerifiedAt: Date | null; createdAt: Date };
};

/** A session joined with its user, as the SQL below returns it. */
type SessionUserRow = {
  id: string;
  user_id: string;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  security_version: number;
  user_security_version: number;
  user_agent: string | null;
  email: string;
  name: string;
  role: Role;
  email_verified_at: Date | null;
  user_created_at: Date;
};

// The columns of SessionUserRow. Prisma's nested `select: { user }` costs a second
// query (without the relationJoins preview): this join is the one round trip
// every authenticated request makes.
const SESSION_USER_COLUMNS = Prisma.sql`
  s."id", s."user_id", s."created_at", s."last_used_at", s."expires_at", s."revoked_at", s."user_agent",
  s."security_version", u."security_version" AS "user_security_version", u."email", u."name", u."role"::text AS "role", u."email_verified_at", u."created_at" AS "user_created_at"`;

function toSessionWithUser(r: SessionUserRow): SessionWithUser {
  return {
    id: r.id,
    userId: r.user_id,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    securityVersion: r.security_version,
    userSecurityVersion: r.user_security_version,
    userAgent: r.user_agent,
    user: { id: r.user_id, email: r.email, name: r.name, role: r.role, emailVerifiedAt: r.email_verified_at, createdAt: r.user_created_at },
  };
}

/** A UUIDv7 (RFC 9562), as Prisma's @default(uuid(7)) makes: time-ordered, so inserts stay at the index's end. */
function uuidv7(now = Date.now()): string {
  const b = randomBytes(16);
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type NewSession = {
  userId: string;
  userAgent: string | null;
  ip: string | null;
  expiresAt: Date;
  refreshTokenHash: string;
};

/**
 * What must still hold when the session row is written (check → slow bcrypt →
 * write is a race otherwise): the credentials version that was checked, no
 * lock in force, and either a verified address (`sign-in`) or, for the first
 * sign-in after the mailed code, the pending account's signup secret
 * (`verify`, which marks the address verified in the same statement).
 */
export type SessionCondition =
  | { kind: "sign-in"; securityVersion: number }
  | { kind: "verify"; signupSecretHash: string };

/**
 * A session and its first refresh token in ONE statement (data-modifying
 * CTEs), made only if the user row still matches `condition` at that moment:
 * the user update takes the row lock, so a reset, lock or sign-out-everywhere
 * that commits first is seen (READ COMMITTED re-checks the WHERE on the newest
 * row) and nothing is written; one that commits after bumps the version and
 * the new session is stale from then on. Null when the condition failed.
 */
export async function insertSessionIf(condition: SessionCondition, input: NewSession): Promise<{ id: string } | null> {
  const sessionId = uuidv7();
  // One static statement for both kinds (no nested SQL fragments): `secret` is
  // null for a sign-in, `version` null for a verification.
  const secret = condition.kind === "verify" ? condition.signupSecretHash : null;
  const version = condition.kind === "sign-in" ? condition.securityVersion : null;
  const rows = await (await getDb()).$queryRaw<Array<{ id: string }>>`
    WITH u AS (
      UPDATE "users" SET "failed_login_count" = 0, "last_login_at" = now(),
        "email_verified_at" = COALESCE("email_verified_at", now()), "signup_secret_hash" = NULL
      WHERE "id" = ${input.userId}::uuid
        AND ("locked_until" IS NULL OR "locked_until" <= now())
        AND CASE WHEN ${secret}::text IS NULL
          THEN "security_version" = ${version}::int AND "email_verified_at" IS NOT NULL
          ELSE "email_verified_at" IS NULL AND "signup_secret_hash" = ${secret}::text
        END
      RETURNING "id", "security_version"
    ), s AS (
      INSERT INTO "sessions" ("id", "user_id", "user_agent", "ip", "expires_at", "security_version")
      SELECT ${sessionId}::uuid, u."id", ${input.userAgent}, ${input.ip}, ${input.expiresAt}, u."security_version" FROM u
      RETURNING "id"
    )
    INSERT INTO "refresh_tokens" ("id", "session_id", "token_hash")
    SELECT ${uuidv7()}::uuid, s."id", ${input.refreshTokenHash} FROM s
    RETURNING "session_id" AS "id"`;
  return rows[0]?.id === sessionId ? { id: sessionId } : null;
}

/** One query: the session row and its user, for every authenticated read. */
export async function findSessionWithUser(sessionId: string): Promise<SessionWithUser | null> {
  // Never let a malformed id reach the ::uuid cast (a database error instead of "no session").
  if (!isUuid(sessionId)) return null;
  const rows = await (await getDb()).$queryRaw<SessionUserRow[]>`
    SELECT ${SESSION_USER_COLUMNS}
    FROM "sessions" s JOIN "users" u ON u."id" = s."user_id"
    WHERE s."id" = ${sessionId}::uuid`;
  const row = rows[0];
  return row ? toSessionWithUser(row) : null;
}

export type RefreshTokenRow = {
  id: string;
  sessionId: string;
  rotatedAt: Date | null;
  session: SessionWithUser;
};

/** One query: a refresh token by hash, with its session and user. */
export async function findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null> {
  const rows = await (await getDb()).$queryRaw<Array<SessionUserRow & { token_id: string; rotated_at: Date | null }>>`
    SELECT t."id" AS "token_id", t."rotated_at", ${SESSION_USER_COLUMNS}
    FROM "refresh_tokens" t JOIN "sessions" s ON s."id" = t."session_id" JOIN "users" u ON u."id" = s."user_id"
    WHERE t."token_hash" = ${tokenHash}`;
  const row = rows[0];
  return row ? { id: row.token_id, sessionId: row.id, rotatedAt: row.rotated_at, session: toSessionWithUser(row) } : null;
}

/**
 * Rotate atomically: mark the presented token rotated and insert its successor
 * in one transaction. Returns false when another request rotated it first
 * (the conditional update matched no row), in which case nothing is written.
 */
export async function rotateRefreshTokenRow(input: {
  tokenId: string;
  sessionId: string;
  successorHash: string;
}): Promise<boolean> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    // The grace window counts from the rotation itself, not from when the request
    // arrived: under load a request can wait seconds for a connection, and a
    // client retrying after that must still find its successor (test:faults c).
    const now = new Date();
    const claimed = await tx.refreshToken.updateMany({
      where: { id: input.tokenId, rotatedAt: null },
      data: { rotatedAt: now },
    });
    if (claimed.count !== 1) return false;
    await tx.refreshToken.create({ data: { sessionId: input.sessionId, tokenHash: input.successorHash } });
    await tx.session.update({ where: { id: input.sessionId }, data: { lastUsedAt: now } });
    return true;
  });
}

/** Rotation state of a token, by hash (following a successor chain). */
export async function findRefreshTokenState(tokenHash: string): Promise<{ sessionId: string; rotatedAt: Date | null } | null> {
  return (await getDb()).refreshToken.findUnique({ where: { tokenHash }, select: { sessionId: true, rotatedAt: true } });
}

export async function revokeSessionRow(sessionId: string, reason: string): Promise<boolean> {
  const r = await (await getDb()).session.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return r.count > 0;
}

/**
 * Evict a user everywhere (optionally keeping the acting session), in one
 * statement: every live session is revoked AND the credentials version moves
 * on, so a sign-in that was mid-bcrypt when this committed cannot leave a
 * usable session behind (its insert is conditional on the old version, or
 * its session is stale at once). The kept session is re-stamped with the new
 * version. Returns how many sessions were revoked.
 */
export async function revokeUserSessionRows(userId: string, reason: string, exceptSessionId?: string): Promise<number> {
  const keepId = exceptSessionId && isUuid(exceptSessionId) ? exceptSessionId : null;
  const rows = await (await getDb()).$queryRaw<Array<{ revoked: number }>>`
    WITH u AS (
      UPDATE "users" SET "security_version" = "security_version" + 1 WHERE "id" = ${userId}::uuid
      RETURNING "id", "security_version"
    ), keep AS (
      UPDATE "sessions" s SET "security_version" = u."security_version" FROM u
      WHERE s."id" = ${keepId}::uuid AND s."user_id" = u."id" AND s."revoked_at" IS NULL
      RETURNING s."id"
    ), revoked AS (
      UPDATE "sessions" s SET "revoked_at" = now(), "revoked_reason" = ${reason}
      WHERE s."user_id" = ${userId}::uuid AND s."revoked_at" IS NULL
        AND (${keepId}::uuid IS NULL OR s."id" <> ${keepId}::uuid)
      RETURNING s."id"
    )
    SELECT (SELECT count(*) FROM revoked)::int AS "revoked", (SELECT count(*) FROM keep)::int AS "kept"`;
  return rows[0]?.revoked ?? 0;
}

export async function listActiveSessions(userId: string, idleCutoff: Date) {
  return (await getDb()).session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: new Date() }, lastUsedAt: { gt: idleCutoff } },
    orderBy: { lastUsedAt: "desc" },
    select: { id: true, userAgent: true, ip: true, createdAt: true, lastUsedAt: true },
  });
}

/**
 * Revoke one session only if it belongs to `userId`: the owner check is part
 * of the query, so another user's session id matches nothing. True when revoked.
 */
export async function revokeUserSessionRow(userId: string, sessionId: string, reason: string): Promise<boolean> {
  const r = await (await getDb()).session.updateMany({
    where: { id: sessionId, userId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return r.count === 1;
}
