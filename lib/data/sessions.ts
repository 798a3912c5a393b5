import { getDb } from "../db/client";
import type { Role } from "../db/generated/enums";

/** Sessions (one per signed-in device) and their refresh-token chains. */

export type SessionWithUser = {
  id: string;
  userId: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  user: { id: string; email: string; name: string; role: Role; emailVerifiedAt: Date | null; createdAt: Date };
};

const sessionUserSelect = {
  id: true,
  userId: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
  user: { select: { id: true, email: true, name: true, role: true, emailVerifiedAt: true, createdAt: true } },
} as const;

export async function insertSession(input: {
  userId: string;
  userAgent: string | null;
  ip: string | null;
  expiresAt: Date;
  refreshTokenHash: string;
}): Promise<{ id: string }> {
  return (await getDb()).session.create({
    data: {
      userId: input.userId,
      userAgent: input.userAgent,
      ip: input.ip,
      expiresAt: input.expiresAt,
      refreshTokens: { create: { tokenHash: input.refreshTokenHash } },
    },
    select: { id: true },
  });
}

/** One query: the session row and its user, for every authenticated read. */
export async function findSessionWithUser(sessionId: string): Promise<SessionWithUser | null> {
  return (await getDb()).session.findUnique({ where: { id: sessionId }, select: sessionUserSelect });
}

export type RefreshTokenRow = {
  id: string;
  sessionId: string;
  rotatedAt: Date | null;
  session: SessionWithUser;
};

export async function findRefreshToken(tokenHash: string): Promise<RefreshTokenRow | null> {
  return (await getDb()).refreshToken.findUnique({
    where: { tokenHash },
    select: { id: true, sessionId: true, rotatedAt: true, session: { select: sessionUserSelect } },
  });
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
  now: Date;
}): Promise<boolean> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const claimed = await tx.refreshToken.updateMany({
      where: { id: input.tokenId, rotatedAt: null },
      data: { rotatedAt: input.now },
    });
    if (claimed.count !== 1) return false;
    await tx.refreshToken.create({ data: { sessionId: input.sessionId, tokenHash: input.successorHash } });
    await tx.session.update({ where: { id: input.sessionId }, data: { lastUsedAt: input.now } });
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

/** Revoke every live session of a user, optionally keeping one. Returns how many. */
export async function revokeUserSessionRows(userId: string, reason: string, exceptSessionId?: string): Promise<number> {
  const r = await (await getDb()).session.updateMany({
    where: { userId, revokedAt: null, ...(exceptSessionId ? { id: { not: exceptSessionId } } : {}) },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
  return r.count;
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
