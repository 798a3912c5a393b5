import "server-only";
import { getEnv } from "../env";
import type { EventContext } from "../data/audit";
import { recordEvent } from "../data/audit";
import {
  findRefreshToken,
  findRefreshTokenState,
  findSessionWithUser,
  insertSessionIf,
  revokeSessionRow,
  revokeUserSessionRows,
  rotateRefreshTokenRow,
  type SessionCondition,
  type SessionWithUser,
} from "../data/sessions";
import { deriveSuccessorToken, randomToken, sha256Hex } from "./crypto";
import { signAccessToken, verifyAccessToken } from "./jwt";

/**
 * Sessions: a row per device, an access JWT (15 min) and an opaque refresh
 * token (256 bits, stored as SHA-256) that rotates on every use.
 */

export type TokenPair = {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  sessionId: string;
  userId: string;
};

type Liveness = Pick<SessionWithUser, "revokedAt" | "expiresAt" | "lastUsedAt" | "securityVersion" | "userSecurityVersion">;

/** Not revoked, not past its absolute or idle end, and made under the user's current credentials. */
export function isSessionAlive(s: Liveness, now = new Date()): boolean {
  if (s.revokedAt) return false;
  // Made under credentials that have changed since (reset, password change,
  // admin lock, role change, sign-out everywhere): dead, whatever its timing.
  if (s.securityVersion !== s.userSecurityVersion) return false;
  if (s.expiresAt <= now) return false;
  return s.lastUsedAt.getTime() + getEnv().SESSION_IDLE_TTL_SECONDS * 1000 > now.getTime();
}

/**
 * Start a session for a user who just proved who they are, if what was checked
 * still holds when the row is written (see SessionCondition): null otherwise,
 * and the caller answers as for any failed sign-in.
 */
export async function createSession(
  user: { id: string; role: "USER" | "ADMIN" },
  condition: SessionCondition,
  ctx: EventContext,
): Promise<TokenPair | null> {
  const env = getEnv();
  const refreshToken = randomToken(32);
  const session = await insertSessionIf(condition, {
    userId: user.id,
    userAgent: ctx.userAgent ?? null,
    ip: ctx.ip ?? null,
    expiresAt: new Date(Date.now() + env.SESSION_ABSOLUTE_TTL_SECONDS * 1000),
    refreshTokenHash: sha256Hex(refreshToken),
  });
  if (!session) return null;
  const accessToken = await signAccessToken({ userId: user.id, sessionId: session.id, role: user.role });
  return { accessToken, refreshToken, expiresIn: env.ACCESS_TOKEN_TTL_SECONDS, sessionId: session.id, userId: user.id };
}

export type RefreshResult =
  | { ok: true; tokens: TokenPair }
  | { ok: false; reason: "invalid" | "expired" | "reused" };

/**
 * Exchange a refresh token for a new pair. Rotation is atomic; presenting an
 * already-rotated token revokes the whole session (a stolen token was used),
 * except within the grace window, where concurrent refreshes (two tabs) get
 * the same successor instead of a logout.
 */
export async function refreshSession(refreshToken: string, ctx: EventContext): Promise<RefreshResult> {
  if (!refreshToken || refreshToken.length > 256) return { ok: false, reason: "invalid" };
  const env = getEnv();
  const row = await findRefreshToken(sha256Hex(refreshToken));
  if (!row) return { ok: false, reason: "invalid" };
  const session = row.session;
  const now = new Date();
  if (!isSessionAlive(session, now)) {
    if (!session.revokedAt) {
      await revokeSessionRow(session.id, session.securityVersion !== session.userSecurityVersion ? "credentials-changed" : "expired");
      await recordEvent("session_expired", ctx, { userId: session.userId, email: session.user.email });
    }
    return { ok: false, reason: "expired" };
  }

  const pair = async (token: string): Promise<TokenPair> => ({
    accessToken: await signAccessToken({ userId: session.userId, sessionId: session.id, role: session.user.role }),
    refreshToken: token,
    expiresIn: env.ACCESS_TOKEN_TTL_SECONDS,
    sessionId: session.id,
    userId: session.userId,
  });

  if (!row.rotatedAt) {
    const successor = deriveSuccessorToken(refreshToken);
    const won = await rotateRefreshTokenRow({
      tokenId: row.id,
      sessionId: session.id,
      successorHash: sha256Hex(successor),
    });
    if (won) return { ok: true, tokens: await pair(successor) };
  }

  // Already rotated (earlier, or by a concurrent request a moment ago).
  const graceToken = await successorWithinGrace(refreshToken, session.id, env.REFRESH_GRACE_SECONDS);
  // The grace answer is for the session's own client (two tabs of one browser
  // refreshing at once): a replay from anything else inside the window is a
  // stolen token racing its owner, so it is reuse like any other. Recorded
  // either way, so a replay is never silent (capped: tabs do this routinely).
  if (graceToken && (ctx.userAgent ?? null) === session.userAgent) {
    await recordEvent("authn_token_grace_reuse", ctx, { userId: session.userId, email: session.user.email, detail: { sessionId: session.id } });
    return { ok: true, tokens: await pair(graceToken) };
  }

  await revokeSessionRow(session.id, "token-reuse");
  await recordEvent("authn_token_reuse", ctx, { userId: session.userId, email: session.user.email, detail: { sessionId: session.id } });
  return { ok: false, reason: "reused" };
}

/**
 * Follow the chain of successors rotated within the grace window and return
 * the live token, so every tab that refreshed at once converges on one pair.
 * Null when any link was rotated longer ago than the grace window (a replay).
 */
async function successorWithinGrace(presented: string, sessionId: string, graceSeconds: number): Promise<string | null> {
  let token = presented;
  for (let hops = 0; hops < 5; hops++) {
    const state = await findRefreshTokenState(sha256Hex(token));
    if (!state || state.sessionId !== sessionId) return null;
    if (!state.rotatedAt) return hops === 0 ? null : token; // the live token
    if (Date.now() - state.rotatedAt.getTime() > graceSeconds * 1000) return null;
    token = deriveSuccessorToken(token);
  }
  return null;
}

export type ValidSession = { session: SessionWithUser; claims: { sub: string; sid: string } };

/**
 * The check behind every authenticated read: a valid JWT AND a live session
 * row (one query, with the user). Revocation and role changes apply at once.
 */
export async function validateAccessToken(token: string | undefined | null): Promise<ValidSession | null> {
  const v = await verifyAccessToken(token);
  if (!v.ok) return null;
  const session = await findSessionWithUser(v.claims.sid);
  if (!session || session.userId !== v.claims.sub || !isSessionAlive(session)) return null;
  return { session, claims: v.claims };
}

/**
 * For signing out only: the live session named by a genuine access token even
 * if it has expired (a tab left open past 15 minutes must still be able to sign
 * out for real, not just drop its cookies).
 */
export async function sessionForSignOut(token: string | undefined | null): Promise<SessionWithUser | null> {
  const v = await verifyAccessToken(token);
  const claims = v.ok ? v.claims : v.reason === "expired" ? v.claims : undefined;
  if (!claims) return null;
  const session = await findSessionWithUser(claims.sid);
  return session && session.userId === claims.sub && !session.revokedAt ? session : null;
}

export async function revokeSession(sessionId: string, reason: string): Promise<boolean> {
  return revokeSessionRow(sessionId, reason);
}

/**
 * Sign out everywhere (optionally keeping the current device): revokes the
 * sessions and moves the credentials version on, so even a sign-in in flight
 * at this moment ends up with no usable session.
 */
export async function invalidateUserSessions(userId: string, reason: string, exceptSessionId?: string): Promise<number> {
  return revokeUserSessionRows(userId, reason, exceptSessionId);
}
