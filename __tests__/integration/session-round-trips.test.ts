import { createHash } from "node:crypto";
import { NextRequest } from "next/server";
import { GET as ME } from "@/app/api/me/route";
import { createSession, revokeSession, validateAccessToken } from "@/lib/auth/session";
import { findRefreshToken, findSessionWithUser } from "@/lib/data/sessions";
import { createUser } from "@/lib/data/users";
import { openTestDb, type TestDb } from "../helpers/db";

/**
 * The session check behind every authenticated request costs one database
 * round trip: the session row and its user in one statement. Counted with
 * Prisma's query events, i.e. every SQL statement the app's client sends.
 */

const CTX = { ip: "203.0.113.9", userAgent: "jest", requestId: "round-trips" };
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

const sent: string[] = [];
let t: TestDb;
beforeAll(async () => {
  t = await openTestDb({ onQuery: (event) => sent.push(event.query) });
});
afterAll(async () => {
  await t.close();
});

/** Run `fn` and return what it gave and the SQL statements it sent. */
async function counted<T>(fn: () => Promise<T>): Promise<{ value: T; queries: string[] }> {
  sent.length = 0;
  const value = await fn();
  return { value, queries: [...sent] };
}

let n = 0;
const SIGN_IN = { kind: "sign-in", securityVersion: 0 } as const;
/** A verified user straight in the table (no sign-up flow: these tests count queries). */
async function verifiedUser(email: string, name: string) {
  const user = await createUser({ email, name, passwordHash: "$2b$04$not.a.real.hash" });
  await t.db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
  return user;
}
async function signedIn() {
  const user = await verifiedUser(`trips${++n}@example.com`, "Ada Trips");
  return { user, tokens: (await createSession(user, SIGN_IN, CTX))! };
}

describe("database round trips of a session check", () => {
  it("the counter hears the client's statements", async () => {
    const { user } = await signedIn();
    const { queries } = await counted(() => t.db.user.findUnique({ where: { id: user.id } }));
    expect(queries.length).toBeGreaterThan(0);
  });

  it("validateAccessToken: one query, with the session and every user field typed as before", async () => {
    const { user, tokens } = await signedIn();
    const { value, queries } = await counted(() => validateAccessToken(tokens.accessToken));
    expect(queries).toHaveLength(1);
    expect(value?.session).toEqual({
      id: tokens.sessionId,
      userId: user.id,
      createdAt: expect.any(Date),
      lastUsedAt: expect.any(Date),
      expiresAt: expect.any(Date),
      revokedAt: null,
      userAgent: "jest",
      securityVersion: 0,
      userSecurityVersion: 0,
      user: { id: user.id, email: user.email, name: "Ada Trips", role: "USER", emailVerifiedAt: expect.any(Date), createdAt: user.createdAt },
    });
    expect(value!.session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
  });

  it("sees a role change and a revocation at once, still in one query", async () => {
    const { user, tokens } = await signedIn();
    await t.db.user.update({ where: { id: user.id }, data: { role: "ADMIN", emailVerifiedAt: new Date("2026-01-02T03:04:05.678Z") } });
    const promoted = await counted(() => validateAccessToken(tokens.accessToken));
    expect(promoted.queries).toHaveLength(1);
    expect(promoted.value?.session.user.role).toBe("ADMIN");
    expect(promoted.value?.session.user.emailVerifiedAt).toEqual(new Date("2026-01-02T03:04:05.678Z"));

    await revokeSession(tokens.sessionId, "test");
    const revoked = await counted(() => validateAccessToken(tokens.accessToken));
    expect(revoked.value).toBeNull();
    expect(revoked.queries).toHaveLength(1);
  });

  it("GET /api/me with a Bearer token: at most one query", async () => {
    const { user, tokens } = await signedIn();
    const req = new NextRequest("http://localhost:3000/api/me", { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    const { value: res, queries } = await counted(() => ME(req));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { email: string }).email).toBe(user.email);
    expect(queries.length).toBeLessThanOrEqual(1);
  });

  it("never sends a session id that is not a uuid to the database", async () => {
    const { value, queries } = await counted(() => findSessionWithUser("not-a-uuid'; --"));
    expect(value).toBeNull();
    expect(queries).toHaveLength(0);
    expect((await counted(() => findSessionWithUser("00000000-0000-4000-8000-000000000000"))).value).toBeNull();
  });

  it("a refresh token with its session and user: one query", async () => {
    const { user, tokens } = await signedIn();
    const { value, queries } = await counted(() => findRefreshToken(sha256(tokens.refreshToken)));
    expect(queries).toHaveLength(1);
    expect(value).toEqual({
      id: expect.any(String),
      sessionId: tokens.sessionId,
      rotatedAt: null,
      session: expect.objectContaining({ id: tokens.sessionId, userId: user.id, user: expect.objectContaining({ email: user.email }) }),
    });
    expect(await findRefreshToken(sha256("unknown"))).toBeNull();
  });
});

describe("starting a session", () => {
  it("inserts the session and its first refresh token in one statement, with time-ordered ids and the right instants", async () => {
    const user = await verifiedUser(`start${++n}@example.com`, "Ada Start");
    const before = Date.now();
    const { value: made, queries } = await counted(() => createSession(user, SIGN_IN, CTX));
    expect(queries).toHaveLength(1);
    const tokens = made!;
    const session = await t.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId }, include: { refreshTokens: true } });
    expect(session.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(session).toMatchObject({ userId: user.id, userAgent: "jest", ip: "203.0.113.9", revokedAt: null });
    expect(Math.abs(session.createdAt.getTime() - before)).toBeLessThan(5_000);
    expect(Math.abs(session.expiresAt.getTime() - (before + 30 * 24 * 3600 * 1000))).toBeLessThan(5_000);
    expect(session.refreshTokens).toEqual([
      expect.objectContaining({ sessionId: session.id, tokenHash: sha256(tokens.refreshToken), rotatedAt: null }),
    ]);
    expect(session.refreshTokens[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect((await validateAccessToken(tokens.accessToken))?.session.id).toBe(session.id);
  });

  it("a session for a user who does not exist fails whole: no session row left behind", async () => {
    const ghost = "01900000-0000-7000-8000-000000000000";
    await expect(createSession({ id: ghost, role: "USER" }, SIGN_IN, CTX)).resolves.toBeNull();
    expect(await t.db.session.count({ where: { userId: ghost } })).toBe(0);
  });
});
