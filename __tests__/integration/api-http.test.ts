import { SignJWT } from "jose";
import { NextRequest } from "next/server";
import { POST as LOGOUT } from "@/app/api/auth/logout/route";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { GET as ME, PATCH as PATCH_ME, POST as POST_ME } from "@/app/api/me/route";
import { GET as SESSIONS } from "@/app/api/me/sessions/route";
import { ACCESS_COOKIE } from "@/lib/auth/constants";
import { createPgClient, setDb, type Db } from "@/lib/db/client";
import { authenticate } from "@/lib/http/bearer";
import { toErrorResponse } from "@/lib/http/errors";
import { PASSWORD, createVerifiedUser, uniqueEmail, setupAuthHarness } from "../helpers/auth-harness";

/**
 * Cross-cutting rules of the API, on the real database: RFC 6750 Bearer
 * handling (query-string tokens ignored, exact challenges, roles from the
 * live row), strict bodies before any work, CORS, and a database outage
 * answering 503 instead of a 500 or a sign-in.
 */

const h = setupAuthHarness();

const APP = "http://localhost:3000";
const CHALLENGE = 'Bearer realm="gatehouse"';
const CHALLENGE_INVALID = 'Bearer realm="gatehouse", error="invalid_token"';

type Handler = (req: NextRequest, ctx?: { params: Promise<never> }) => Promise<Response>;
type Answer = { status: number; headers: Headers; body: Record<string, unknown> };

async function call(handler: Handler, req: NextRequest): Promise<Answer> {
  const res = await handler(req);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function req(path: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit } = {}): NextRequest {
  return new NextRequest(new URL(path, APP), { method: init.method ?? "GET", headers: init.headers, body: init.body });
}

async function signedIn(tag = "http") {
  const { email, tokens } = await createVerifiedUser(h.sink, uniqueEmail(tag));
  return { email, ...tokens };
}

describe("Bearer tokens (RFC 6750)", () => {
  it("ignores an access token in the query string: 401 with the plain challenge", async () => {
    const s = await signedIn();
    const a = await call(ME, req(`/api/me?access_token=${encodeURIComponent(s.accessToken)}`));
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(a.body.error).toBe("unauthenticated");
  });

  it("ignores an access token in the body", async () => {
    const s = await signedIn();
    const a = await call(
      PATCH_ME,
      req("/api/me", {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "X", access_token: s.accessToken }),
      }),
    );
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("accepts the scheme in any case, refuses malformed headers with invalid_token and other schemes with the plain challenge", async () => {
    const s = await signedIn();
    expect((await call(ME, req("/api/me", { headers: { authorization: `bearer ${s.accessToken}` } }))).status).toBe(200);
    for (const header of ["Bearer", "Bearer ", `Bearer ${s.accessToken} extra`, `Bearer ${s.accessToken}\u00e9`, "Bearer a,b"]) {
      const a = await call(ME, req("/api/me", { headers: { authorization: header } }));
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
      expect(a.body.error).toBe("invalid-token");
    }
    const basic = await call(ME, req("/api/me", { headers: { authorization: "Basic YTpi" } }));
    expect(basic.status).toBe(401);
    expect(basic.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("refuses expired, forged, alg:none, refresh-token and revoked tokens with 401 invalid_token, never 5xx", async () => {
    const s = await signedIn();
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(process.env.JWT_SECRET!);
    const claims = { sid: s.sessionId, role: "ADMIN" };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setSubject(s.userId)
      .setIssuer(APP)
      .setAudience("gatehouse")
      .setIssuedAt(now - 3600)
      .setExpirationTime(now - 600)
      .sign(secret);
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setSubject(s.userId)
      .setIssuer(APP)
      .setAudience("gatehouse")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("another-secret-that-is-long-enough-0123456789"));
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const none = `${b64({ alg: "none", typ: "at+jwt" })}.${b64({ sub: s.userId, sid: s.sessionId, role: "ADMIN", iss: APP, aud: "gatehouse", exp: now + 600, iat: now })}.`;
    for (const token of [expired, forged, none, s.refreshToken, "x".repeat(5000)]) {
      const a = await call(ME, req("/api/me", { headers: { authorization: `Bearer ${token}` } }));
      expect(a.status).toBe(401);
      expect(a.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
    }
    await call(LOGOUT, req("/api/auth/logout", { method: "POST", headers: { authorization: `Bearer ${s.accessToken}` } }));
    const revoked = await call(ME, req("/api/me", { headers: { authorization: `Bearer ${s.accessToken}` } }));
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
  });

  it("judges a request with a Bearer header on that header alone, never falling back to the cookie", async () => {
    const s = await signedIn();
    const a = await call(ME, req("/api/me", { headers: { authorization: "Bearer not.a.token", cookie: `${ACCESS_COOKIE}=${s.accessToken}` } }));
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
  });

  it("answers a missing role with 403 insufficient_scope, reading the role from the user row", async () => {
    const s = await signedIn();
    const request = () => req("/api/admin/thing", { headers: { authorization: `Bearer ${s.accessToken}` } });
    let err: unknown;
    try {
      await authenticate(request(), { role: "ADMIN" });
    } catch (e) {
      err = e;
    }
    const res = toErrorResponse(err);
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="gatehouse", error="insufficient_scope"');
    expect(await res.json()).toEqual({ error: "forbidden", message: expect.any(String) });
    expect(await h.db.authEvent.count({ where: { type: "authz_fail", userId: s.userId } })).toBe(1);

    // Promoted in the database: the same token now passes, no new sign-in needed.
    await h.db.user.update({ where: { id: s.userId }, data: { role: "ADMIN" } });
    await expect(authenticate(request(), { role: "ADMIN" })).resolves.toMatchObject({ user: { id: s.userId, role: "ADMIN" }, source: "bearer" });
  });

  it("accepts a cookie only where allowed, and reads its writes only from this site's origin", async () => {
    const s = await signedIn();
    const cookie = `${ACCESS_COOKIE}=${s.accessToken}`;
    await expect(authenticate(req("/api/x", { headers: { cookie } }))).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(authenticate(req("/api/x", { headers: { cookie } }), { cookie: true })).resolves.toMatchObject({ source: "cookie" });
    const write = (headers: Record<string, string>) => authenticate(req("/api/x", { method: "POST", headers: { cookie, ...headers } }), { cookie: true });
    await expect(write({ origin: APP })).resolves.toMatchObject({ source: "cookie" });
    await expect(write({ "sec-fetch-site": "same-origin" })).resolves.toMatchObject({ source: "cookie" });
    await expect(write({})).rejects.toMatchObject({ code: "csrf-rejected" });
    await expect(write({ origin: "null" })).rejects.toMatchObject({ code: "csrf-rejected" });
    await expect(write({ origin: "https://evil.example", "sec-fetch-site": "same-origin" })).rejects.toMatchObject({ code: "csrf-rejected" });
  });
});

describe("405 and CORS on real routes", () => {
  it("answers a wrong method with 405 JSON and Allow", async () => {
    const s = await signedIn();
    const a = await call(POST_ME, req("/api/me", { method: "POST", headers: { authorization: `Bearer ${s.accessToken}` } }));
    expect(a.status).toBe(405);
    expect(a.headers.get("allow")).toBe("GET, PATCH, HEAD, OPTIONS");
    expect(a.body).toEqual({ error: "method-not-allowed", message: expect.any(String) });
  });

  it("lets a listed origin read answers (Bearer, no credentials), and no other", async () => {
    h.setEnv({ CORS_ORIGINS: "https://shop.example" });
    const s = await signedIn();
    const from = (origin: string) => ME(req("/api/me", { headers: { origin, authorization: `Bearer ${s.accessToken}` } }));
    const listed = await from("https://shop.example");
    expect(listed.status).toBe(200);
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(listed.headers.get("access-control-allow-credentials")).toBeNull();
    const other = await from("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    // Errors carry the CORS headers too, so the page can read the challenge.
    const anon = await ME(req("/api/me", { headers: { origin: "https://shop.example" } }));
    expect(anon.status).toBe(401);
    expect(anon.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(anon.headers.get("access-control-expose-headers")).toMatch(/WWW-Authenticate/);
  });
});

describe("strict bodies on real routes, before any database work", () => {
  it("413, 415 and 400 leave no rate-limit row and no event behind", async () => {
    const register = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) =>
      call(REGISTER, req("/api/auth/register", { method: "POST", headers, body }));
    const big = await register(JSON.stringify({ email: "a@b.test", name: "A", password: "x".repeat(20_000) }));
    expect(big.status).toBe(413);
    expect(big.body.error).toBe("payload-too-large");
    const form = await register("email=a%40b.test&name=A&password=x", { "content-type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(form.body.error).toBe("unsupported-media-type");
    const op = await register(JSON.stringify({ email: { contains: "a" }, name: "A", password: PASSWORD }));
    expect(op.status).toBe(400);
    expect(op.body.error).toBe("validation-failed");
    expect(Object.keys(op.body.fields as object)).toEqual(["email"]);
    const malformed = await register('{"email": "a@b.test",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe("invalid-request");
    expect(await h.db.rateLimit.count()).toBe(0);
    expect(await h.db.authEvent.count()).toBe(0);
    expect(await h.db.user.count()).toBe(0);
  });
});

describe("a database outage", () => {
  // Swap the process-wide client for one pointing at a closed port, then put the test database back.
  type Holder = { promise?: Promise<Db>; close?: () => Promise<void> };
  const holder = () => (globalThis as unknown as { __gatehouseDb: Holder }).__gatehouseDb;
  async function withDatabaseDown(fn: () => Promise<void>): Promise<void> {
    const saved = { ...holder() };
    const down = createPgClient("postgresql://postgres@127.0.0.1:1/none", { poolSize: 1 });
    setDb(down);
    try {
      await fn();
    } finally {
      await down.$disconnect().catch(() => {});
      Object.assign(holder(), saved);
    }
  }

  it("answers 503 service-unavailable with Retry-After, never 500, never a sign-in", async () => {
    const s = await signedIn("down");
    await withDatabaseDown(async () => {
      const me = await call(ME, req("/api/me", { headers: { authorization: `Bearer ${s.accessToken}` } }));
      expect(me.status).toBe(503);
      expect(me.headers.get("retry-after")).toBe("5");
      expect(me.body).toEqual({ error: "service-unavailable", message: expect.any(String) });
      expect(JSON.stringify(me.body)).not.toMatch(/P1001|127\.0\.0\.1|prisma/i);

      const sessions = await call(SESSIONS, req("/api/me/sessions", { headers: { authorization: `Bearer ${s.accessToken}` } }));
      expect(sessions.status).toBe(503);

      const register = await call(
        REGISTER,
        req("/api/auth/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: uniqueEmail("x"), name: "A", password: PASSWORD }),
        }),
      );
      expect(register.status).toBe(503);

      const grant = await call(
        TOKEN,
        req("/api/auth/token", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "password", username: s.email, password: PASSWORD }).toString(),
        }),
      );
      expect(grant.status).toBe(503);
      expect(grant.body).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) });
      expect(grant.headers.get("retry-after")).toBe("5");

      const refresh = await call(
        TOKEN,
        req("/api/auth/token", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: s.refreshToken }).toString(),
        }),
      );
      expect(refresh.status).toBe(503);
      expect(refresh.body.access_token).toBeUndefined();
    });
    // And back up: the same token works again.
    expect((await call(ME, req("/api/me", { headers: { authorization: `Bearer ${s.accessToken}` } }))).status).toBe(200);
  });
});
