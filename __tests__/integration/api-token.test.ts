import { NextRequest } from "next/server";
import type * as OAuth from "oauth4webapi";
import { exportJWK, generateKeyPair } from "jose";
import { GET as JWKS } from "@/app/.well-known/jwks.json/route";
import { GET as METADATA } from "@/app/.well-known/oauth-authorization-server/route";
import { POST as LOGOUT } from "@/app/api/auth/logout/route";
import { POST as REVOKE } from "@/app/api/auth/revoke/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { GET as ME } from "@/app/api/me/route";
import { INVALID_CREDENTIALS_MESSAGE } from "@/lib/auth/errors";
import { lockUser } from "@/lib/data/users";
import { PASSWORD, createVerifiedUser, signUp, uniqueEmail, setupAuthHarness } from "../helpers/auth-harness";

/**
 * The RFC 6749 token endpoint and RFC 7009 revocation, called through their
 * route handlers against the real database and SMTP sink, and driven by a real
 * OAuth 2 client library (oauth4webapi) reading successes and errors.
 */

const h = setupAuthHarness();

const APP = "http://localhost:3000";
const CHALLENGE = 'Bearer realm="gatehouse"';
const CHALLENGE_INVALID = 'Bearer realm="gatehouse", error="invalid_token"';

type Handler = (req: NextRequest, ctx?: { params: Promise<never> }) => Promise<Response>;
type CallOpts = {
  method?: string;
  json?: unknown;
  form?: Record<string, string> | string;
  body?: string;
  headers?: Record<string, string>;
  token?: string;
};
type Answer = { status: number; headers: Headers; text: string; body: Record<string, unknown> };

function request(path: string, o: CallOpts = {}): NextRequest {
  const headers = new Headers(o.headers);
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (o.form !== undefined) {
    body = typeof o.form === "string" ? o.form : new URLSearchParams(o.form).toString();
    if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded");
  }
  if (o.token) headers.set("authorization", `Bearer ${o.token}`);
  return new NextRequest(new URL(path, APP), { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

async function call(handler: Handler, path: string, o: CallOpts = {}): Promise<Answer> {
  const res = await handler(request(path, o));
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const token = (o: CallOpts) => call(TOKEN, "/api/auth/token", o);
const passwordGrant = (username: string, password = PASSWORD, extra: Record<string, string> = {}) =>
  token({ form: { grant_type: "password", username, password, ...extra } });
const refreshGrant = (refresh_token: string) => token({ form: { grant_type: "refresh_token", refresh_token } });
const me = (accessToken: string) => call(ME, "/api/me", { token: accessToken });

function expectOAuthError(a: Answer, status: number, error: string): void {
  expect(a.status).toBe(status);
  expect(a.headers.get("content-type")).toMatch(/^application\/json/);
  expect(a.headers.get("cache-control")).toBe("no-store");
  expect(a.headers.get("pragma")).toBe("no-cache");
  expect(Object.keys(a.body).sort()).toEqual(["error", "error_description"]);
  expect(a.body.error).toBe(error);
  expect(typeof a.body.error_description).toBe("string");
}

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number };
function expectTokens(a: Answer): Tokens {
  expect(a.status).toBe(200);
  expect(a.headers.get("cache-control")).toBe("no-store");
  expect(a.headers.get("pragma")).toBe("no-cache");
  expect(Object.keys(a.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type"]);
  expect(a.body.token_type).toBe("Bearer");
  expect(a.body.expires_in).toBe(900);
  return a.body as unknown as Tokens;
}

async function verifiedUser(tag = "api"): Promise<string> {
  return (await createVerifiedUser(h.sink, uniqueEmail(tag))).email;
}

describe("POST /api/auth/token, grant_type=password", () => {
  it("answers RFC 6749 §5.1 for a form-encoded request, and the access token works as a Bearer token", async () => {
    const email = await verifiedUser();
    const tokens = expectTokens(await passwordGrant(email));
    expect(tokens.access_token.split(".")).toHaveLength(3);
    expect(tokens.refresh_token.length).toBeGreaterThanOrEqual(43);
    const profile = await me(tokens.access_token);
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe(email);
    expect(await h.db.authEvent.count({ where: { type: "authn_login_success", email } })).toBe(2); // verify + grant
  });

  it("accepts JSON too, and the username in any case with spaces", async () => {
    const email = await verifiedUser();
    expectTokens(await token({ json: { grant_type: "password", username: ` ${email.toUpperCase()} `, password: PASSWORD } }));
  });

  it("answers a wrong password, an unknown email and a locked account with one identical invalid_grant", async () => {
    const email = await verifiedUser();
    const wrong = await passwordGrant(email, "wrong horse battery staple 99?");
    const unknown = await passwordGrant(uniqueEmail("nobody"));
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    await lockUser(user.id, new Date(Date.now() + 60_000));
    const locked = await passwordGrant(email); // right password, but locked
    for (const a of [wrong, unknown, locked]) {
      expectOAuthError(a, 400, "invalid_grant");
      expect(a.body.error_description).toBe(INVALID_CREDENTIALS_MESSAGE);
    }
    expect(unknown.text).toBe(wrong.text);
    expect(locked.text).toBe(wrong.text);
  });

  it("refuses an unverified account with invalid_grant saying the email must be verified, and mails a code", async () => {
    const email = uniqueEmail("unverified");
    await signUp(email);
    const before = h.sink.mails.length;
    const a = await passwordGrant(email);
    expect(a.status).toBe(400);
    expect(Object.keys(a.body).sort()).toEqual(["error", "error_description", "registration"]);
    expect(a.body.error).toBe("invalid_grant");
    // The right password was given: this client may finish with the mailed code.
    expect(a.body.registration).toMatch(/^[\w-]{43}$/);
    expect(a.body.error_description).toMatch(/must be verified/);
    expect(a.body.error_description).toMatch(/\/api\/auth\/verify-email/);
    expect(await h.db.session.count()).toBe(0);
    expect(h.sink.mails.length).toBeGreaterThanOrEqual(before); // a fresh code unless the cooldown holds it back
  });

  it("answers unsupported_grant_type when PASSWORD_GRANT_ENABLED=false, before any password work", async () => {
    const email = await verifiedUser();
    const limitsBefore = await h.db.rateLimit.count();
    const eventsBefore = await h.db.authEvent.count();
    h.setEnv({ PASSWORD_GRANT_ENABLED: "false" });
    const a = await passwordGrant(email);
    expectOAuthError(a, 400, "unsupported_grant_type");
    expect(a.body.error_description).toMatch(/turned off/);
    expect(await h.db.rateLimit.count()).toBe(limitsBefore);
    expect(await h.db.authEvent.count()).toBe(eventsBefore);
    // The refresh grant keeps working for sessions that already exist.
    const session = await h.db.session.count();
    expect(session).toBe(1);
  });

  it("rate-limits the endpoint per client IP: 429 invalid_request with Retry-After, in the RFC 6749 shape", async () => {
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for" });
    const email = await verifiedUser();
    const from = (ip: string) =>
      token({ form: { grant_type: "password", username: email, password: "wrong password guess 1234" }, headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 30; i++) expect((await from("198.51.100.9")).status).toBe(400);
    const limited = await from("198.51.100.9");
    expectOAuthError(limited, 429, "invalid_request");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.body.error_description).toMatch(/Too many attempts/);
    // Another address is not affected.
    expect((await from("198.51.100.10")).status).toBe(400);
    expect(await h.db.authEvent.count({ where: { type: "rate_limit_exceeded" } })).toBe(1);
  });
});

describe("POST /api/auth/token, grant_type=refresh_token", () => {
  it("rotates: password grant → /api/me → refresh → replay of the old token revokes the whole family", async () => {
    h.setEnv({ REFRESH_GRACE_SECONDS: "0" }); // no concurrent-tab grace: a replay is a replay
    const email = await verifiedUser();
    const first = expectTokens(await passwordGrant(email));
    expect((await me(first.access_token)).status).toBe(200);

    const second = expectTokens(await refreshGrant(first.refresh_token));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second.access_token)).body.email).toBe(email);

    const replay = await refreshGrant(first.refresh_token);
    expectOAuthError(replay, 400, "invalid_grant");
    // The family is gone: the new refresh token and the new access token stop working too.
    expectOAuthError(await refreshGrant(second.refresh_token), 400, "invalid_grant");
    const after = await me(second.access_token);
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
    expect(await h.db.authEvent.count({ where: { type: "authn_token_reuse", email } })).toBe(1);
    const session = await h.db.session.findFirstOrThrow({ where: { user: { email } } });
    expect(session.revokedReason).toBe("token-reuse");
  });

  it("answers invalid_grant for an unknown, empty-looking or revoked refresh token", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email));
    expectOAuthError(await refreshGrant("not-a-real-refresh-token"), 400, "invalid_grant");
    await call(LOGOUT, "/api/auth/logout", { method: "POST", token: t.access_token });
    expectOAuthError(await refreshGrant(t.refresh_token), 400, "invalid_grant");
  });

  it("needs refresh_token: a missing one is invalid_request", async () => {
    expectOAuthError(await token({ form: { grant_type: "refresh_token" } }), 400, "invalid_request");
    expectOAuthError(await token({ json: { grant_type: "refresh_token", refresh_token: 42 } }), 400, "invalid_request");
  });

  it("answers an access token, or any value over 256 characters, as refresh_token with invalid_grant (RFC 6749 §5.2), whatever its length", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email));
    for (const wrong of [t.access_token, "x".repeat(257), "x".repeat(5000)]) {
      expectOAuthError(await refreshGrant(wrong), 400, "invalid_grant");
    }
    // The real refresh token still works: nothing was revoked by the wrong ones.
    expectTokens(await refreshGrant(t.refresh_token));
  });
});

describe("POST /api/auth/token, malformed requests", () => {
  it("answers invalid_request without grant_type and unsupported_grant_type for other grants", async () => {
    expectOAuthError(await token({ form: { username: "a@b.test", password: PASSWORD } }), 400, "invalid_request");
    expectOAuthError(await token({ json: { grant_type: 7 } }), 400, "invalid_request");
    for (const grant of ["client_credentials", "authorization_code", "urn:ietf:params:oauth:grant-type:device_code"]) {
      expectOAuthError(await token({ form: { grant_type: grant } }), 400, "unsupported_grant_type");
    }
  });

  it("answers invalid_request for missing fields, wrong types and operator objects, before any database work", async () => {
    const bad: unknown[] = [
      { grant_type: "password", username: "a@b.test" },
      { grant_type: "password", password: PASSWORD },
      { grant_type: "password", username: { contains: "a" }, password: PASSWORD },
      { grant_type: "password", username: "not-an-email", password: PASSWORD },
      { grant_type: "password", username: "a@b.test", password: ["x"] },
      { grant_type: "password", username: "a@b.test", password: null },
    ];
    for (const json of bad) expectOAuthError(await token({ json }), 400, "invalid_request");
    expect(await h.db.rateLimit.count()).toBe(0);
    expect(await h.db.authEvent.count()).toBe(0);
  });

  it("answers invalid_request when a parameter is repeated (RFC 6749 §3.2)", async () => {
    const a = await token({ form: "grant_type=password&username=a%40b.test&password=one&password=two" });
    expectOAuthError(a, 400, "invalid_request");
    expect(a.body.error_description).toMatch(/repeated/);
  });

  it("answers 415 for other media types and 413 over 16 kB, in the RFC 6749 shape", async () => {
    const xml = await token({ body: "<grant/>", headers: { "content-type": "application/xml" } });
    expectOAuthError(xml, 415, "invalid_request");
    const none = await token({ body: "grant_type=password" });
    expectOAuthError(none, 415, "invalid_request");
    const big = await token({ form: { grant_type: "password", username: "a@b.test", password: "x".repeat(17 * 1024) } });
    expectOAuthError(big, 413, "invalid_request");
    const bad = await token({ body: "{not json", headers: { "content-type": "application/json" } });
    expectOAuthError(bad, 400, "invalid_request");
    expect(await h.db.rateLimit.count()).toBe(0);
  });

  it("answers invalid_client (401) to client authentication: public clients only", async () => {
    const email = await verifiedUser();
    const secret = await passwordGrant(email, PASSWORD, { client_id: "app", client_secret: "s3cret" });
    expectOAuthError(secret, 401, "invalid_client");
    const basic = await token({
      form: { grant_type: "password", username: email, password: PASSWORD },
      headers: { authorization: `Basic ${Buffer.from("app:s3cret").toString("base64")}` },
    });
    expectOAuthError(basic, 401, "invalid_client");
    expect(basic.headers.get("www-authenticate")).toBe('Basic realm="gatehouse"');
    // A client id alone, in the body or as Basic with an empty secret (Swagger UI's default), is fine.
    expectTokens(await passwordGrant(email, PASSWORD, { client_id: "my-app" }));
    expectTokens(
      await token({
        form: { grant_type: "password", username: email, password: PASSWORD },
        headers: { authorization: `Basic ${Buffer.from("my-app:").toString("base64")}` },
      }),
    );
  });

  it("ignores unknown parameters (scope, role) and never lets them shape the token", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email, PASSWORD, { scope: "admin", role: "ADMIN" }));
    expect((await me(t.access_token)).body.role).toBe("USER");
  });
});

describe("POST /api/auth/revoke (RFC 7009)", () => {
  const revoke = (o: CallOpts) => call(REVOKE, "/api/auth/revoke", o);

  it("revokes the session of a refresh token: 200, then neither token works", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email));
    const a = await revoke({ form: { token: t.refresh_token, token_type_hint: "refresh_token" } });
    expect(a.status).toBe(200);
    expect(a.text).toBe("");
    expect(a.headers.get("cache-control")).toBe("no-store");
    expectOAuthError(await refreshGrant(t.refresh_token), 400, "invalid_grant");
    expect((await me(t.access_token)).status).toBe(401);
    expect(await h.db.authEvent.count({ where: { type: "session_revoked", email } })).toBe(1);
  });

  it("revokes by access token too (JSON body, whatever the hint)", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email));
    expect((await revoke({ json: { token: t.access_token, token_type_hint: "refresh_token" } })).status).toBe(200);
    expect((await me(t.access_token)).status).toBe(401);
    expectOAuthError(await refreshGrant(t.refresh_token), 400, "invalid_grant");
  });

  it("answers 200 for unknown and already-revoked tokens, and 400 invalid_request without a token", async () => {
    expect((await revoke({ form: { token: "never-issued" } })).status).toBe(200);
    expect((await revoke({ form: { token: "a.b.c" } })).status).toBe(200);
    expectOAuthError(await revoke({ form: { token_type_hint: "refresh_token" } }), 400, "invalid_request");
    expectOAuthError(await revoke({ body: "token=x", headers: { "content-type": "text/plain" } }), 415, "invalid_request");
    expect(await h.db.session.count({ where: { revokedAt: { not: null } } })).toBe(0);
  });

  it("does not let another session be revoked by a guessed token", async () => {
    const email = await verifiedUser();
    const t = expectTokens(await passwordGrant(email));
    await revoke({ form: { token: t.refresh_token.slice(0, -1) + (t.refresh_token.endsWith("A") ? "B" : "A") } });
    expect((await me(t.access_token)).status).toBe(200);
  });
});

describe("a real OAuth 2 client (oauth4webapi) against the handlers", () => {
  // oauth4webapi is ESM only; jest's vm-modules loader imports it natively (no transform).
  const importEsm = new Function("s", "return import(s)") as (s: string) => Promise<typeof OAuth>;
  let oauth: typeof OAuth;
  beforeAll(async () => {
    oauth = await importEsm("oauth4webapi");
  });

  const as: OAuth.AuthorizationServer = {
    issuer: APP,
    token_endpoint: `${APP}/api/auth/token`,
    revocation_endpoint: `${APP}/api/auth/revoke`,
  };
  const client: OAuth.Client = { client_id: "gatehouse-cli" };
  const seen: NextRequest[] = [];

  /** The library's fetch, answered by the route handlers instead of the network. */
  async function handlerFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown }): Promise<Response> {
    const req = new NextRequest(url, { method: init.method, headers: init.headers, body: init.body as BodyInit });
    seen.push(req);
    const path = new URL(url).pathname;
    if (path === "/api/auth/token") return TOKEN(req);
    if (path === "/api/auth/revoke") return REVOKE(req);
    if (path === "/.well-known/oauth-authorization-server") return METADATA();
    if (path === "/.well-known/jwks.json") return JWKS();
    throw new Error(`unexpected fetch to ${url}`);
  }
  const options = () => ({ [oauth.customFetch]: handlerFetch, [oauth.allowInsecureRequests]: true });

  it("gets tokens with the password grant, refreshes them, reads a replay as invalid_grant and revokes", async () => {
    h.setEnv({ REFRESH_GRACE_SECONDS: "0" });
    const email = await verifiedUser();
    const opts = options();

    const res = await oauth.genericTokenEndpointRequest(as, client, oauth.None(), "password", { username: email, password: PASSWORD }, opts);
    const first = await oauth.processGenericTokenEndpointResponse(as, client, res);
    expect(first.token_type).toBe("bearer"); // the library lowercases it
    expect(first.expires_in).toBe(900);
    expect(typeof first.refresh_token).toBe("string");
    expect(seen.at(-1)!.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
    expect((await me(first.access_token)).status).toBe(200);

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, opts),
    );
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);

    const replay = oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token!, opts),
    );
    await expect(replay).rejects.toMatchObject({ name: "ResponseBodyError", error: "invalid_grant", status: 400 });
    await expect(
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token!, opts)),
    ).rejects.toMatchObject({ error: "invalid_grant" });

    // Revocation of a dead token is still a 200 the library accepts.
    await expect(
      oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, opts)),
    ).resolves.toBeUndefined();
  });

  it("reads invalid_grant, unsupported_grant_type and the 429 as OAuth errors", async () => {
    const email = await verifiedUser();
    const opts = options();
    const wrong = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.None(),
      "password",
      { username: email, password: "not the password at all" },
      opts,
    );
    await expect(oauth.processGenericTokenEndpointResponse(as, client, wrong)).rejects.toMatchObject({
      error: "invalid_grant",
      error_description: INVALID_CREDENTIALS_MESSAGE,
    });

    const other = await oauth.genericTokenEndpointRequest(as, client, oauth.None(), "client_credentials", {}, opts);
    await expect(oauth.processGenericTokenEndpointResponse(as, client, other)).rejects.toMatchObject({
      error: "unsupported_grant_type",
      status: 400,
    });

    h.setEnv({ PASSWORD_GRANT_ENABLED: "false" });
    const off = await oauth.genericTokenEndpointRequest(as, client, oauth.None(), "password", { username: email, password: PASSWORD }, opts);
    await expect(oauth.processGenericTokenEndpointResponse(as, client, off)).rejects.toMatchObject({ error: "unsupported_grant_type" });
    h.setEnv({ PASSWORD_GRANT_ENABLED: undefined });

    for (let i = 0; i < 30; i++) await token({ form: { grant_type: "refresh_token", refresh_token: `guess-${i}` } });
    const limited = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), "guess-31", opts);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    await expect(oauth.processRefreshTokenResponse(as, client, limited)).rejects.toMatchObject({
      name: "ResponseBodyError",
      error: "invalid_request",
      status: 429,
    });
  });

  it("discovers the server from its RFC 8414 metadata, then signs in and refreshes with what it found", async () => {
    const email = await verifiedUser();
    const opts = options();
    const issuer = new URL(APP);
    const found = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...opts, algorithm: "oauth2" }));
    expect(found).toMatchObject({
      issuer: APP,
      token_endpoint: `${APP}/api/auth/token`,
      revocation_endpoint: `${APP}/api/auth/revoke`,
      jwks_uri: `${APP}/.well-known/jwks.json`,
      grant_types_supported: ["password", "refresh_token"],
      token_endpoint_auth_methods_supported: ["none"],
      revocation_endpoint_auth_methods_supported: ["none"],
      response_types_supported: [],
    });

    const first = await oauth.processGenericTokenEndpointResponse(
      found,
      client,
      await oauth.genericTokenEndpointRequest(found, client, oauth.None(), "password", { username: email, password: PASSWORD }, opts),
    );
    const next = await oauth.processRefreshTokenResponse(
      found,
      client,
      await oauth.refreshTokenGrantRequest(found, client, oauth.None(), first.refresh_token!, opts),
    );
    expect((await me(next.access_token)).status).toBe(200);
    await expect(
      oauth.processRevocationResponse(await oauth.revocationRequest(found, client, oauth.None(), next.refresh_token!, opts)),
    ).resolves.toBeUndefined();
    expect((await me(next.access_token)).status).toBe(401);
  });

  it("lists the password grant only while it is enabled, and lets the metadata be cached briefly", async () => {
    h.setEnv({ PASSWORD_GRANT_ENABLED: "false" });
    const res = await METADATA();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(((await res.json()) as { grant_types_supported: string[] }).grant_types_supported).toEqual(["refresh_token"]);
  });

  it("issues access tokens that oauth4webapi's RFC 9068 validation accepts (EdDSA keys from the discovered jwks_uri)", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    h.setEnv({ JWT_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)) });
    const email = await verifiedUser();
    const opts = options();
    const issuer = new URL(APP);
    const found = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...opts, algorithm: "oauth2" }));
    const tokens = await oauth.processGenericTokenEndpointResponse(
      found,
      client,
      await oauth.genericTokenEndpointRequest(found, client, oauth.None(), "password", { username: email, password: PASSWORD }, opts),
    );
    const claims = await oauth.validateJwtAccessToken(found, request("/api/me", { token: tokens.access_token }), "gatehouse", opts);
    expect(claims).toMatchObject({ iss: APP, aud: "gatehouse", client_id: "gatehouse", jti: expect.any(String), sub: expect.any(String) });
  });

  it("sees the invalid_client challenge for a client secret", async () => {
    const email = await verifiedUser();
    const res = await oauth.genericTokenEndpointRequest(
      as,
      { client_id: "app" },
      oauth.ClientSecretBasic("s3cret"),
      "password",
      { username: email, password: PASSWORD },
      options(),
    );
    expect(res.status).toBe(401);
    await expect(oauth.processGenericTokenEndpointResponse(as, client, res)).rejects.toMatchObject({ name: "WWWAuthenticateChallengeError" });
  });
});

describe("Bearer challenges on the token's way in", () => {
  it("answers a missing token with exactly the RFC 6750 challenge", async () => {
    const a = await call(ME, "/api/me");
    expect(a.status).toBe(401);
    expect(a.headers.get("www-authenticate")).toBe(CHALLENGE);
    expect(a.body).toEqual({ error: "unauthenticated", message: expect.any(String) });
  });
});
