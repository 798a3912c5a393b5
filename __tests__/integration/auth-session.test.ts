import { createHash } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { jwtIssuer } from "@/lib/auth/constants";
import { hashPassword } from "@/lib/auth/password";
import {
  invalidateUserSessions,
  refreshSession,
  revokeSession,
  validateAccessToken,
  type TokenPair,
} from "@/lib/auth/session";
import { createUser, deleteUser } from "@/lib/data/users";
import { CTX, PASSWORD, allDbText, uniqueEmail, setupAuthHarness, sessionFor } from "../helpers/auth-harness";

const h = setupAuthHarness();

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const DAY = 24 * 3600 * 1000;

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

async function newUser(role: "USER" | "ADMIN" = "USER") {
  const user = await createUser({ email: uniqueEmail("session"), name: "Ana", passwordHash });
  if (role === "ADMIN") await h.db.user.update({ where: { id: user.id }, data: { role } });
  return { ...user, role };
}

async function signedIn(role: "USER" | "ADMIN" = "USER"): Promise<{ userId: string; tokens: TokenPair }> {
  const user = await newUser(role);
  return { userId: user.id, tokens: await sessionFor(user, CTX) };
}

/** Pretend the rotation of `token` happened `seconds` ago (outside or inside the grace window). */
async function rotatedSecondsAgo(token: string, seconds: number): Promise<void> {
  const n = await h.db.$executeRawUnsafe(
    `UPDATE "refresh_tokens" SET "rotated_at" = now() - make_interval(secs => $2) WHERE "token_hash" = $1`,
    sha256(token),
    seconds,
  );
  expect(n).toBe(1);
}

async function liveTokens(sessionId: string): Promise<number> {
  return h.db.refreshToken.count({ where: { sessionId, rotatedAt: null } });
}

async function refreshOk(token: string): Promise<TokenPair> {
  const r = await refreshSession(token, CTX);
  if (!r.ok) throw new Error(`refresh refused: ${r.reason}`);
  return r.tokens;
}

describe("access tokens", () => {
  it("carry iss, aud, typ at+jwt, sub, sid, role and live 900 s", async () => {
    const { userId, tokens } = await signedIn();
    const header = decodeProtectedHeader(tokens.accessToken);
    expect(header).toEqual({ alg: "HS256", typ: "at+jwt" });
    const claims = decodeJwt(tokens.accessToken);
    expect(claims.iss).toBe(jwtIssuer());
    expect(claims.iss).toBe("http://localhost:3000");
    expect(claims.aud).toBe("gatehouse");
    expect(claims.sub).toBe(userId);
    expect(claims.sid).toBe(tokens.sessionId);
    expect(claims.role).toBe("USER");
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(5);
    expect(tokens.expiresIn).toBe(900);
    expect(Object.keys(claims).sort()).toEqual(["aud", "client_id", "exp", "iat", "iss", "jti", "role", "sid", "sub"]);
  });

  it("carry the ADMIN role for an admin", async () => {
    const { tokens } = await signedIn("ADMIN");
    expect(decodeJwt(tokens.accessToken).role).toBe("ADMIN");
  });
});

describe("validateAccessToken", () => {
  it("accepts a token of a live session and returns its user", async () => {
    const { userId, tokens } = await signedIn();
    const valid = await validateAccessToken(tokens.accessToken);
    expect(valid?.session.id).toBe(tokens.sessionId);
    expect(valid?.session.user.id).toBe(userId);
    expect(valid?.claims).toMatchObject({ sub: userId, sid: tokens.sessionId });
  });

  it("refuses a missing or malformed token without throwing", async () => {
    for (const t of [undefined, null, "", "garbage", "a.b.c"]) await expect(validateAccessToken(t)).resolves.toBeNull();
  });

  it("refuses the token at once after revokeSession", async () => {
    const { tokens } = await signedIn();
    expect(await revokeSession(tokens.sessionId, "logout")).toBe(true);
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await refreshSession(tokens.refreshToken, CTX)).toMatchObject({ ok: false });
  });

  it("refuses every session of the user after invalidateUserSessions, optionally keeping one", async () => {
    const user = await newUser();
    const a = await sessionFor(user, CTX);
    const b = await sessionFor(user, CTX);
    const c = await sessionFor(user, CTX);
    const other = await signedIn();
    expect(await invalidateUserSessions(user.id, "password-changed", c.sessionId)).toBe(2);
    expect(await validateAccessToken(a.accessToken)).toBeNull();
    expect(await validateAccessToken(b.accessToken)).toBeNull();
    expect(await validateAccessToken(c.accessToken)).not.toBeNull();
    expect(await validateAccessToken(other.tokens.accessToken)).not.toBeNull();

    expect(await invalidateUserSessions(user.id, "sign-out-everywhere")).toBe(1);
    expect(await validateAccessToken(c.accessToken)).toBeNull();
    expect(await refreshSession(c.refreshToken, CTX)).toMatchObject({ ok: false });
    expect(await validateAccessToken(other.tokens.accessToken)).not.toBeNull();
  });

  it("refuses the token once the user is deleted", async () => {
    const { userId, tokens } = await signedIn();
    await deleteUser(userId);
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await refreshSession(tokens.refreshToken, CTX)).toEqual({ ok: false, reason: "invalid" });
  });

  it("reports the role from the database, so a demotion applies before the JWT expires", async () => {
    const { userId, tokens } = await signedIn("ADMIN");
    await h.db.user.update({ where: { id: userId }, data: { role: "USER" } });
    const valid = await validateAccessToken(tokens.accessToken);
    expect(valid?.session.user.role).toBe("USER");
  });

  it("refuses a validly signed token whose sid belongs to another user", async () => {
    const a = await signedIn();
    const b = await signedIn();
    const { signAccessToken } = await import("@/lib/auth/jwt");
    const forged = await signAccessToken({ userId: a.userId, sessionId: b.tokens.sessionId, role: "USER" });
    expect(await validateAccessToken(forged)).toBeNull();
  });
});

describe("refreshSession", () => {
  it("rotates: a new refresh token and access token, one live token, the old one dead after the grace window", async () => {
    const { tokens: t0 } = await signedIn();
    const t1 = await refreshOk(t0.refreshToken);
    expect(t1.refreshToken).not.toBe(t0.refreshToken);
    expect(t1.sessionId).toBe(t0.sessionId);
    expect(await validateAccessToken(t1.accessToken)).not.toBeNull();
    expect(await liveTokens(t0.sessionId)).toBe(1);
    const live = await h.db.refreshToken.findFirstOrThrow({ where: { sessionId: t0.sessionId, rotatedAt: null } });
    expect(live.tokenHash).toBe(sha256(t1.refreshToken));

    await rotatedSecondsAgo(t0.refreshToken, 11);
    expect(await refreshSession(t0.refreshToken, CTX)).toEqual({ ok: false, reason: "reused" });
  });

  it("with REFRESH_GRACE_SECONDS=0 a rotated token is refused straight away", async () => {
    h.setEnv({ REFRESH_GRACE_SECONDS: "0" });
    const { tokens: t0 } = await signedIn();
    await refreshOk(t0.refreshToken);
    await new Promise((r) => setTimeout(r, 5));
    expect(await refreshSession(t0.refreshToken, CTX)).toEqual({ ok: false, reason: "reused" });
  });

  it("treats a replay after the grace window as theft: the whole session is revoked and logged", async () => {
    const { userId, tokens: t0 } = await signedIn();
    const t1 = await refreshOk(t0.refreshToken);
    await rotatedSecondsAgo(t0.refreshToken, 11);

    expect(await refreshSession(t0.refreshToken, CTX)).toEqual({ ok: false, reason: "reused" });
    const session = await h.db.session.findUniqueOrThrow({ where: { id: t0.sessionId } });
    expect(session.revokedAt).not.toBeNull();
    expect(session.revokedReason).toBe("token-reuse");
    // The legitimate holder's newer tokens die with it.
    expect(await refreshSession(t1.refreshToken, CTX)).toMatchObject({ ok: false });
    expect(await validateAccessToken(t1.accessToken)).toBeNull();

    const events = await h.db.authEvent.findMany({ where: { type: "authn_token_reuse" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId, ip: CTX.ip, userAgent: CTX.userAgent, requestId: CTX.requestId });
    const text = await allDbText(h.db);
    for (const secret of [t0.refreshToken, t1.refreshToken, t1.accessToken]) expect(text).not.toContain(secret);
  });

  it("within the grace window a second refresh with the same token gets the same successor, not a logout", async () => {
    const { tokens: t0 } = await signedIn();
    const first = await refreshOk(t0.refreshToken);
    const again = await refreshOk(t0.refreshToken);
    expect(again.refreshToken).toBe(first.refreshToken);
    expect(again.sessionId).toBe(first.sessionId);
    expect(await validateAccessToken(again.accessToken)).not.toBeNull();
    expect(await liveTokens(t0.sessionId)).toBe(1);
    expect((await h.db.session.findUniqueOrThrow({ where: { id: t0.sessionId } })).revokedAt).toBeNull();
    expect(await h.db.authEvent.count({ where: { type: "authn_token_reuse" } })).toBe(0);
  });

  it("a grace-window replay from the same client gets the same pair and is recorded as authn_token_grace_reuse", async () => {
    const { userId, tokens: t0 } = await signedIn();
    const first = await refreshOk(t0.refreshToken);
    const again = await refreshOk(t0.refreshToken);
    expect(again.refreshToken).toBe(first.refreshToken);
    const events = await h.db.authEvent.findMany({ where: { type: "authn_token_grace_reuse" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ userId, ip: CTX.ip, userAgent: CTX.userAgent, detail: { sessionId: t0.sessionId } });
  });

  it("a grace-window replay from another client (user agent) is reuse: the session is revoked and authn_token_reuse recorded", async () => {
    const { userId, tokens: t0 } = await signedIn();
    const first = await refreshOk(t0.refreshToken);
    const thief = { ...CTX, userAgent: "curl/8.5.0" };
    expect(await refreshSession(t0.refreshToken, thief)).toEqual({ ok: false, reason: "reused" });
    const session = await h.db.session.findUniqueOrThrow({ where: { id: t0.sessionId } });
    expect(session.revokedReason).toBe("token-reuse");
    expect(await refreshSession(first.refreshToken, CTX)).toMatchObject({ ok: false });
    expect(await validateAccessToken(first.accessToken)).toBeNull();
    const events = await h.db.authEvent.findMany({ where: { type: { in: ["authn_token_reuse", "authn_token_grace_reuse"] } } });
    expect(events.map((e) => [e.type, e.userId, e.userAgent])).toEqual([["authn_token_reuse", userId, "curl/8.5.0"]]);
    // No user agent at all is another client too.
    const { tokens: u0 } = await signedIn();
    await refreshOk(u0.refreshToken);
    expect(await refreshSession(u0.refreshToken, { ...CTX, userAgent: null })).toEqual({ ok: false, reason: "reused" });
  });

  it("within the grace window an older token follows the chain to the newest pair", async () => {
    const { tokens: t0 } = await signedIn();
    const t1 = await refreshOk(t0.refreshToken);
    const t2 = await refreshOk(t1.refreshToken);
    expect((await refreshOk(t0.refreshToken)).refreshToken).toBe(t2.refreshToken);
    expect(await liveTokens(t0.sessionId)).toBe(1);
  });

  it("20 concurrent refreshes of one token: all succeed with the same pair, one session, one live token", async () => {
    const { userId, tokens: t0 } = await signedIn();
    const results = await Promise.all(Array.from({ length: 20 }, () => refreshSession(t0.refreshToken, CTX)));
    expect(results.every((r) => r.ok)).toBe(true);
    const successors = new Set(results.map((r) => (r.ok ? r.tokens.refreshToken : "")));
    expect(successors.size).toBe(1);
    expect(successors.has(t0.refreshToken)).toBe(false);
    expect(await h.db.session.count({ where: { userId } })).toBe(1);
    expect(await liveTokens(t0.sessionId)).toBe(1);
    expect(await h.db.refreshToken.count({ where: { sessionId: t0.sessionId } })).toBe(2);
    expect((await h.db.session.findUniqueOrThrow({ where: { id: t0.sessionId } })).revokedAt).toBeNull();
    // The shared successor keeps working.
    await expect(refreshOk([...successors][0]!)).resolves.toBeDefined();
  });

  it("refuses a session idle for more than 7 days", async () => {
    const { tokens } = await signedIn();
    await h.db.session.update({ where: { id: tokens.sessionId }, data: { lastUsedAt: new Date(Date.now() - 7 * DAY - 60_000) } });
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await refreshSession(tokens.refreshToken, CTX)).toEqual({ ok: false, reason: "expired" });
    const session = await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } });
    expect(session.revokedAt).not.toBeNull();
    // It stays dead even if its idle clock were somehow reset.
    await h.db.session.update({ where: { id: tokens.sessionId }, data: { lastUsedAt: new Date() } });
    expect(await refreshSession(tokens.refreshToken, CTX)).toMatchObject({ ok: false });
  });

  it("keeps a session idle for a little under 7 days, and a refresh resets the idle clock", async () => {
    const { tokens } = await signedIn();
    await h.db.session.update({ where: { id: tokens.sessionId }, data: { lastUsedAt: new Date(Date.now() - 7 * DAY + 60_000) } });
    expect(await validateAccessToken(tokens.accessToken)).not.toBeNull();
    const before = Date.now();
    await refreshOk(tokens.refreshToken);
    const session = await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } });
    expect(session.lastUsedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("ends a session 30 days after it started, however active", async () => {
    const before = Date.now();
    const { tokens } = await signedIn();
    const session = await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } });
    expect(session.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
    expect(session.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * DAY + 1000);

    await h.db.session.update({ where: { id: tokens.sessionId }, data: { expiresAt: new Date(Date.now() - 1000), lastUsedAt: new Date() } });
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await refreshSession(tokens.refreshToken, CTX)).toEqual({ ok: false, reason: "expired" });
  });

  it("stores the refresh token only as its SHA-256; the token has at least 256 bits", async () => {
    const { tokens: t0 } = await signedIn();
    expect(t0.refreshToken).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(t0.refreshToken, "base64url").length).toBeGreaterThanOrEqual(32);
    const t1 = await refreshOk(t0.refreshToken);
    const rows = await h.db.refreshToken.findMany({ where: { sessionId: t0.sessionId }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.tokenHash).sort()).toEqual([sha256(t0.refreshToken), sha256(t1.refreshToken)].sort());
    const text = await allDbText(h.db);
    expect(text).not.toContain(t0.refreshToken);
    expect(text).not.toContain(t1.refreshToken);
  });

  it("refuses unknown, empty and oversized tokens without throwing", async () => {
    await signedIn();
    for (const t of ["", "nope", "x".repeat(257), "A".repeat(10_000)]) {
      await expect(refreshSession(t, CTX)).resolves.toEqual({ ok: false, reason: "invalid" });
    }
  });
});
