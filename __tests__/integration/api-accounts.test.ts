import { NextRequest } from "next/server";
import { POST as FORGOT } from "@/app/api/auth/forgot-password/route";
import { POST as LOGOUT } from "@/app/api/auth/logout/route";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { POST as RESEND } from "@/app/api/auth/resend-code/route";
import { POST as RESET } from "@/app/api/auth/reset-password/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { POST as VERIFY } from "@/app/api/auth/verify-email/route";
import { POST as CONFIRM_EMAIL } from "@/app/api/me/email/confirm/route";
import { POST as CHANGE_EMAIL } from "@/app/api/me/email/route";
import { POST as CHANGE_PASSWORD } from "@/app/api/me/password/route";
import { GET as ME, PATCH as PATCH_ME } from "@/app/api/me/route";
import { DELETE as DELETE_SESSION } from "@/app/api/me/sessions/[id]/route";
import { GET as SESSIONS } from "@/app/api/me/sessions/route";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { ACCESS_COOKIE, REFRESH_COOKIE } from "@/lib/auth/constants";
import { verifyPassword } from "@/lib/auth/password";
import { extractLink } from "../helpers/smtp-sink";
import {
  OTHER_PASSWORD,
  PASSWORD,
  allDbText,
  createVerifiedUser,
  latestCode,
  mailsTo,
  passOneMinute,
  uniqueEmail,
  wrongCode,
  setupAuthHarness, sessionFor } from "../helpers/auth-harness";

/**
 * The JSON account endpoints (sign-up, email code, recovery) and the /api/me
 * endpoints, through their route handlers, on the real database and SMTP sink.
 */

const h = setupAuthHarness();
afterEach(async () => {
  // Some mails go out after the answer: let them finish before the next test empties the tables.
  await settleBackgroundTasks();
});

const APP = "http://localhost:3000";
const CHALLENGE = 'Bearer realm="gatehouse"';
const CHALLENGE_INVALID = 'Bearer realm="gatehouse", error="invalid_token"';

type Handler = (req: NextRequest, ctx?: { params: Promise<never> }) => Promise<Response>;
type CallOpts = {
  method?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  token?: string;
  cookie?: string;
  params?: Record<string, string>;
};
type Answer = { status: number; headers: Headers; text: string; body: Record<string, unknown>; res: Response };

function request(path: string, o: CallOpts = {}): NextRequest {
  const headers = new Headers(o.headers);
  let body = o.body;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (o.token) headers.set("authorization", `Bearer ${o.token}`);
  if (o.cookie) headers.set("cookie", `${ACCESS_COOKIE}=${o.cookie}`);
  return new NextRequest(new URL(path, APP), { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

async function call(handler: Handler, path: string, o: CallOpts = {}): Promise<Answer> {
  const res = await handler(request(path, o), { params: Promise.resolve(o.params ?? {}) as Promise<never> });
  const text = await res.clone().text();
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, res };
}

function expectError(a: Answer, status: number, error: string): void {
  expect(a.status).toBe(status);
  expect(a.headers.get("content-type")).toMatch(/^application\/json/);
  expect(a.headers.get("cache-control")).toBe("no-store");
  expect(a.body.error).toBe(error);
  expect(typeof a.body.message).toBe("string");
  expect(Object.keys(a.body).every((k) => ["error", "message", "fields"].includes(k))).toBe(true);
}

async function signedIn(tag = "me"): Promise<{ email: string; access: string; refresh: string; sessionId: string; userId: string }> {
  const { email, tokens } = await createVerifiedUser(h.sink, uniqueEmail(tag));
  return { email, access: tokens.accessToken, refresh: tokens.refreshToken, sessionId: tokens.sessionId, userId: tokens.userId };
}

describe("POST /api/auth/register", () => {
  const register = (json: unknown) => call(REGISTER, "/api/auth/register", { json });

  it("creates an unverified USER, mails a code and answers 202; role, emailVerified and ids in the body are ignored", async () => {
    const email = uniqueEmail("reg");
    const a = await register({
      email: `  ${email.toUpperCase()} `,
      name: "Ana Tester",
      password: PASSWORD,
      role: "ADMIN",
      emailVerified: true,
      emailVerifiedAt: "2020-01-01T00:00:00Z",
      userId: "0197a1b2-0000-7000-8000-000000000001",
      id: "0197a1b2-0000-7000-8000-000000000001",
    });
    expect(a.status).toBe(202);
    expect(a.headers.get("cache-control")).toBe("no-store");
    expect(a.body).toEqual({ email, message: expect.stringMatching(/verify-email/), registration: expect.stringMatching(/^[\w-]{43}$/) });
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.role).toBe("USER");
    expect(user.emailVerifiedAt).toBeNull();
    expect(user.id).not.toBe("0197a1b2-0000-7000-8000-000000000001");
    expect(mailsTo(h.sink, email)).toHaveLength(1);
    expect(await allDbText(h.db)).not.toContain(PASSWORD);
  });

  it("answers a taken address exactly like a new one", async () => {
    const email = uniqueEmail("taken");
    const first = await register({ email, name: "Owner", password: PASSWORD });
    const second = await register({ email, name: "Intruder", password: OTHER_PASSWORD });
    expect(second.status).toBe(first.status);
    // Byte for byte the same, but for the registration (random in every answer).
    const withoutRegistration = (t: string) => t.replace(/"registration":"[\w-]{43}"/, '"registration":"…"');
    expect(withoutRegistration(second.text)).toBe(withoutRegistration(first.text));
    expect(second.body.registration).not.toBe(first.body.registration);
    expect(await h.db.user.count()).toBe(1);
  });

  it("returns every field error at once, and a weak password's reason, as 400 validation-failed", async () => {
    const a = await register({ email: "nope", name: "", password: "short" });
    expectError(a, 400, "validation-failed");
    const fields = a.body.fields as Record<string, string[]>;
    expect(Object.keys(fields).sort()).toEqual(["email", "name", "password"]);
    expect(fields.password!.join(" ")).toMatch(/at least 15 characters/);

    const weak = await register({ email: uniqueEmail("weak"), name: "Ana", password: "password12345678" });
    expectError(weak, 400, "validation-failed");
    expect((weak.body.fields as Record<string, string[]>).password![0]).toMatch(/too easy to guess/);
    expect(await h.db.user.count()).toBe(0);
  });

  it("follows PASSWORD_MIN_LENGTH", async () => {
    h.setEnv({ PASSWORD_MIN_LENGTH: "20" });
    const a = await register({ email: uniqueEmail("min"), name: "Ana", password: "violet kettle drums" }); // 19
    expectError(a, 400, "validation-failed");
    expect((a.body.fields as Record<string, string[]>).password![0]).toMatch(/at least 20/);
  });

  it("rejects operator objects, arrays, nulls and wrong types with 400 before any database work", async () => {
    for (const json of [
      { email: { contains: "a" }, name: "Ana", password: PASSWORD },
      { email: ["a@b.test"], name: "Ana", password: PASSWORD },
      { email: null, name: "Ana", password: PASSWORD },
      { email: "a@b.test", name: 42, password: PASSWORD },
      { email: "a@b.test", name: "Ana", password: { $gt: "" } },
    ]) {
      expectError(await register(json), 400, "validation-failed");
    }
    for (const body of ["[]", "null", '"text"', "42", "[{}]"]) {
      expectError(await call(REGISTER, "/api/auth/register", { body, headers: { "content-type": "application/json" } }), 400, "invalid-request");
    }
    expect(await h.db.rateLimit.count()).toBe(0);
    expect(await h.db.authEvent.count()).toBe(0);
  });

  it("answers 503 mail-unavailable when the code cannot be mailed, and leaves no half-made account", async () => {
    h.sink.fail(true);
    const email = uniqueEmail("nomail");
    const a = await register({ email, name: "Ana", password: PASSWORD });
    expectError(a, 503, "mail-unavailable");
    expect(await h.db.user.count({ where: { email } })).toBe(0);
  });
});

describe("POST /api/auth/verify-email and /api/auth/resend-code", () => {
  const verify = (json: unknown) => call(VERIFY, "/api/auth/verify-email", { json });
  const resend = (json: unknown) => call(RESEND, "/api/auth/resend-code", { json });

  it("confirms the address with the mailed code and returns a token pair like the token endpoint", async () => {
    const email = uniqueEmail("verify");
    const registered = await call(REGISTER, "/api/auth/register", { json: { email, name: "Ana", password: PASSWORD } });
    const a = await verify({ email, code: latestCode(h.sink, email), registration: registered.body.registration });
    expect(a.status).toBe(200);
    expect(a.headers.get("cache-control")).toBe("no-store");
    expect(a.headers.get("pragma")).toBe("no-cache");
    expect(Object.keys(a.body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "token_type"]);
    expect(a.body.token_type).toBe("Bearer");
    const profile = await call(ME, "/api/me", { token: a.body.access_token as string });
    expect(profile.body).toMatchObject({ email, emailVerified: true, role: "USER" });
    // The refresh token is a real one: the token endpoint rotates it.
    const refreshed = await call(TOKEN, "/api/auth/token", {
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: a.body.refresh_token as string }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(refreshed.status).toBe(200);
  });

  it("answers one invalid-code (400) for a wrong code, an unknown address and an expired code", async () => {
    const email = uniqueEmail("wrong");
    await call(REGISTER, "/api/auth/register", { json: { email, name: "Ana", password: PASSWORD } });
    const code = latestCode(h.sink, email);
    const wrong = await verify({ email, code: wrongCode(code) });
    expectError(wrong, 400, "invalid-code");
    const unknown = await verify({ email: uniqueEmail("nobody"), code });
    expect(unknown.text).toBe(wrong.text);

    await h.db.otpCode.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await verify({ email, code });
    expectError(expired, 400, "invalid-code");
    expect(expired.text).toBe(wrong.text);
    expect(await h.db.user.count({ where: { email, emailVerifiedAt: { not: null } } })).toBe(0);
  });

  it("answers 429 rate-limited with Retry-After after too many wrong codes", async () => {
    const email = uniqueEmail("many");
    await call(REGISTER, "/api/auth/register", { json: { email, name: "Ana", password: PASSWORD } });
    const code = latestCode(h.sink, email);
    let last: Answer | undefined;
    for (let i = 1; i <= 11; i++) {
      last = await verify({ email, code: wrongCode(code, i) });
      if (last.status === 429) break;
      if (i % 5 === 0) {
        await passOneMinute(h.db);
        await resend({ email });
      }
    }
    expectError(last!, 429, "rate-limited");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("validates the code's form before any work: 400 validation-failed", async () => {
    const a = await verify({ email: "a@b.test", code: "12345" });
    expectError(a, 400, "validation-failed");
    expect(Object.keys(a.body.fields as object)).toEqual(["code"]);
    expect(await h.db.rateLimit.count()).toBe(0);
  });

  it("resend answers 202 the same for unknown, verified and waiting addresses; the cooldown is a 429", async () => {
    const waiting = uniqueEmail("wait");
    await call(REGISTER, "/api/auth/register", { json: { email: waiting, name: "Ana", password: PASSWORD } });
    const { email: verified } = await createVerifiedUser(h.sink, uniqueEmail("done"));
    const unknown = await resend({ email: uniqueEmail("nobody") });
    const done = await resend({ email: verified });
    expect(unknown.status).toBe(202);
    expect(done.text).toBe(unknown.text);
    expect(unknown.body).toEqual({ message: expect.any(String), retryAfter: 60 });

    // Within the account's cooldown: the same answer, and nothing is sent.
    const before = mailsTo(h.sink, waiting).length;
    expect((await resend({ email: waiting })).text).toBe(unknown.text);
    await settleBackgroundTasks();
    expect(mailsTo(h.sink, waiting)).toHaveLength(before);
    // Asking again for the same address at once is a 429 with Retry-After.
    const cooling = await resend({ email: waiting });
    expectError(cooling, 429, "rate-limited");
    expect(Number(cooling.headers.get("retry-after"))).toBeGreaterThan(0);
    await passOneMinute(h.db);
    expect((await resend({ email: waiting })).text).toBe(unknown.text);
    await settleBackgroundTasks(); // the mail goes out after the answer
    expect(mailsTo(h.sink, waiting)).toHaveLength(before + 1);
  });
});

describe("POST /api/auth/forgot-password and /api/auth/reset-password", () => {
  it("mails a link for a known address, answers unknown ones the same, and the token resets the password and ends every session", async () => {
    const { email, access } = await signedIn("reset");
    const known = await call(FORGOT, "/api/auth/forgot-password", { json: { email } });
    const unknown = await call(FORGOT, "/api/auth/forgot-password", { json: { email: uniqueEmail("nobody") } });
    expect(known.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    await settleBackgroundTasks();
    const link = extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password");
    const token = new URL(link).searchParams.get("token")!;

    const weak = await call(RESET, "/api/auth/reset-password", { json: { token, password: "password12345678" } });
    expectError(weak, 400, "validation-failed");

    const done = await call(RESET, "/api/auth/reset-password", { json: { token, password: OTHER_PASSWORD } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ email, message: expect.any(String) });
    expect(done.headers.get("referrer-policy")).toBe("no-referrer");
    expect((await call(ME, "/api/me", { token: access })).status).toBe(401);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(await verifyPassword(OTHER_PASSWORD, user.passwordHash)).toBe(true);

    const again = await call(RESET, "/api/auth/reset-password", { json: { token, password: PASSWORD } });
    expectError(again, 401, "invalid-token");
  });
});

describe("GET and PATCH /api/me", () => {
  it("answers the user from the Bearer token's live session", async () => {
    const s = await signedIn();
    const a = await call(ME, "/api/me", { token: s.access });
    expect(a.status).toBe(200);
    expect(a.headers.get("cache-control")).toBe("no-store");
    expect(a.body).toEqual({
      id: s.userId,
      email: s.email,
      name: "Ana Tester",
      role: "USER",
      emailVerified: true,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/),
    });
  });

  it("accepts the browser's session cookie too", async () => {
    const s = await signedIn();
    const a = await call(ME, "/api/me", { cookie: s.access });
    expect(a.status).toBe(200);
    expect(a.body.email).toBe(s.email);
  });

  it("answers the role of the user row, not the token's copy (a role change applies at once)", async () => {
    const s = await signedIn();
    await h.db.user.update({ where: { id: s.userId }, data: { role: "ADMIN" } });
    expect((await call(ME, "/api/me", { token: s.access })).body.role).toBe("ADMIN");
  });

  it("PATCH changes the name only: role, email, emailVerified and userId in the body are ignored", async () => {
    const s = await signedIn();
    const other = await signedIn("other");
    const a = await call(PATCH_ME, "/api/me", {
      method: "PATCH",
      token: s.access,
      json: { name: "  Ana Renamed ", role: "ADMIN", email: "evil@example.test", emailVerified: false, userId: other.userId, id: other.userId },
    });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ id: s.userId, email: s.email, name: "Ana Renamed", role: "USER", emailVerified: true });
    const mine = await h.db.user.findUniqueOrThrow({ where: { id: s.userId } });
    expect(mine).toMatchObject({ name: "Ana Renamed", role: "USER", email: s.email });
    expect(mine.emailVerifiedAt).not.toBeNull();
    const theirs = await h.db.user.findUniqueOrThrow({ where: { id: other.userId } });
    expect(theirs.name).toBe("Ana Tester");
    expect(await h.db.authEvent.count({ where: { type: "user_updated", userId: s.userId } })).toBe(1);
  });

  it("PATCH validates the name (400 with the field) and needs a token (401)", async () => {
    const s = await signedIn();
    const bad = await call(PATCH_ME, "/api/me", { method: "PATCH", token: s.access, json: { name: "a\r\nBcc: x" } });
    expectError(bad, 400, "validation-failed");
    expect(Object.keys(bad.body.fields as object)).toEqual(["name"]);
    expectError(await call(PATCH_ME, "/api/me", { method: "PATCH", token: s.access, json: { name: "x".repeat(101) } }), 400, "validation-failed");
    const anon = await call(PATCH_ME, "/api/me", { method: "PATCH", json: { name: "Ana" } });
    expectError(anon, 401, "unauthenticated");
    expect(anon.headers.get("www-authenticate")).toBe(CHALLENGE);
  });

  it("PATCH by cookie from another origin is refused with 403 even without the middleware", async () => {
    const s = await signedIn();
    const cross = await call(PATCH_ME, "/api/me", {
      method: "PATCH",
      cookie: s.access,
      json: { name: "Hacked" },
      headers: { origin: "https://evil.example" },
    });
    expectError(cross, 403, "csrf-rejected");
    const same = await call(PATCH_ME, "/api/me", { method: "PATCH", cookie: s.access, json: { name: "Fine" }, headers: { origin: APP } });
    expect(same.status).toBe(200);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: s.userId } })).name).toBe("Fine");
    expect(await h.db.authEvent.count({ where: { type: "malicious_csrf" } })).toBe(1);
  });
});

describe("/api/me/sessions", () => {
  it("lists the live sessions, this one first, and DELETE ends another one", async () => {
    const s = await signedIn("sessions");
    const user = await h.db.user.findUniqueOrThrow({ where: { id: s.userId } });
    const phone = await sessionFor(user, { ip: "198.51.100.1", userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" });
    const list = await call(SESSIONS, "/api/me/sessions", { token: s.access });
    expect(list.status).toBe(200);
    const sessions = list.body.sessions as Array<Record<string, unknown>>;
    expect(sessions.map((x) => x.id)).toEqual([s.sessionId, phone.sessionId]);
    expect(sessions[0]).toMatchObject({ current: true });
    expect(sessions[1]).toMatchObject({ current: false, ip: "198.51.100.1", device: { label: expect.any(String) } });

    const del = await call(DELETE_SESSION, `/api/me/sessions/${phone.sessionId}`, {
      method: "DELETE",
      token: s.access,
      params: { id: phone.sessionId },
    });
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ current: false });
    expect((await call(ME, "/api/me", { token: phone.accessToken })).status).toBe(401);
    expect((await call(ME, "/api/me", { token: s.access })).status).toBe(200);
  });

  it("answers 404 for another user's session and for ids that are not UUIDs, changing nothing", async () => {
    const s = await signedIn("mine");
    const other = await signedIn("theirs");
    for (const id of [other.sessionId, "not-a-uuid", "0197a1b2-0000-7000-8000-00000000ffff"]) {
      const a = await call(DELETE_SESSION, `/api/me/sessions/${id}`, { method: "DELETE", token: s.access, params: { id } });
      expectError(a, 404, "not-found");
    }
    expect((await call(ME, "/api/me", { token: other.access })).status).toBe(200);
  });

  it("ending the current session by cookie clears both cookies", async () => {
    const s = await signedIn("self");
    const a = await call(DELETE_SESSION, `/api/me/sessions/${s.sessionId}`, {
      method: "DELETE",
      cookie: s.access,
      params: { id: s.sessionId },
      headers: { origin: APP },
    });
    expect(a.body).toEqual({ current: true });
    const cookies = a.res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith(`${ACCESS_COOKIE}=;`) && /Max-Age=0/i.test(c))).toBe(true);
    expect(cookies.some((c) => c.startsWith(`${REFRESH_COOKIE}=;`) && /Max-Age=0/i.test(c))).toBe(true);
  });
});

describe("POST /api/me/password and /api/me/email", () => {
  it("changes the password with the current one and ends the other sessions", async () => {
    const s = await signedIn("pw");
    const user = await h.db.user.findUniqueOrThrow({ where: { id: s.userId } });
    const other = await sessionFor(user, { ip: "198.51.100.2" });
    const wrong = await call(CHANGE_PASSWORD, "/api/me/password", {
      token: s.access,
      json: { currentPassword: "not my password at all", password: OTHER_PASSWORD },
    });
    // A wrong current password is a field error, never a 401 that would make a client drop its token.
    expectError(wrong, 400, "validation-failed");
    expect(Object.keys(wrong.body.fields as object)).toEqual(["currentPassword"]);
    expect((await call(ME, "/api/me", { token: s.access })).status).toBe(200);

    const ok = await call(CHANGE_PASSWORD, "/api/me/password", { token: s.access, json: { currentPassword: PASSWORD, password: OTHER_PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ revokedSessions: 1 });
    expect((await call(ME, "/api/me", { token: other.accessToken })).status).toBe(401);
    expect((await call(ME, "/api/me", { token: s.access })).status).toBe(200);
  });

  it("changes the email with a code sent to the new address", async () => {
    const s = await signedIn("mail");
    const newEmail = uniqueEmail("moved");
    const started = await call(CHANGE_EMAIL, "/api/me/email", { token: s.access, json: { newEmail, currentPassword: PASSWORD } });
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ pendingEmail: newEmail, expiresInMinutes: 10 });
    await settleBackgroundTasks();
    const code = latestCode(h.sink, newEmail);
    expectError(await call(CONFIRM_EMAIL, "/api/me/email/confirm", { token: s.access, json: { code: wrongCode(code) } }), 400, "invalid-code");
    const done = await call(CONFIRM_EMAIL, "/api/me/email/confirm", { token: s.access, json: { code } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ email: newEmail });
    expect((await call(ME, "/api/me", { token: s.access })).body.email).toBe(newEmail);
  });

  it("needs the right current password to start an email change (400 on currentPassword)", async () => {
    const s = await signedIn("mail2");
    const a = await call(CHANGE_EMAIL, "/api/me/email", { token: s.access, json: { newEmail: uniqueEmail("x"), currentPassword: "wrong wrong wrong" } });
    expectError(a, 400, "validation-failed");
    expect(Object.keys(a.body.fields as object)).toEqual(["currentPassword"]);
  });
});

describe("POST /api/auth/logout", () => {
  it("ends this session for a Bearer caller; the token stops working at once", async () => {
    const s = await signedIn("out");
    const user = await h.db.user.findUniqueOrThrow({ where: { id: s.userId } });
    const other = await sessionFor(user, {});
    const a = await call(LOGOUT, "/api/auth/logout", { method: "POST", token: s.access });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ revoked: 1 });
    expect(a.res.headers.getSetCookie()).toEqual([]);
    const after = await call(ME, "/api/me", { token: s.access });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toBe(CHALLENGE_INVALID);
    expect((await call(ME, "/api/me", { token: other.accessToken })).status).toBe(200);
    expect(await h.db.authEvent.count({ where: { type: "logout", userId: s.userId } })).toBe(1);
  });

  it('signs out everywhere with { "all": true }', async () => {
    const s = await signedIn("all");
    const user = await h.db.user.findUniqueOrThrow({ where: { id: s.userId } });
    const other = await sessionFor(user, {});
    const a = await call(LOGOUT, "/api/auth/logout", { token: s.access, json: { all: true } });
    expect(a.body).toEqual({ revoked: 2 });
    expect((await call(ME, "/api/me", { token: other.accessToken })).status).toBe(401);
    expect(await h.db.authEvent.count({ where: { type: "session_revoked_all", userId: s.userId } })).toBe(1);
  });

  it("clears both cookies when the caller used the cookie (same origin)", async () => {
    const s = await signedIn("cookie");
    const a = await call(LOGOUT, "/api/auth/logout", { method: "POST", cookie: s.access, headers: { origin: APP } });
    expect(a.status).toBe(200);
    const cookies = a.res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith(`${ACCESS_COOKIE}=;`) && /Max-Age=0/i.test(c) && /HttpOnly/i.test(c))).toBe(true);
    expect(cookies.some((c) => c.startsWith(`${REFRESH_COOKIE}=;`) && /Max-Age=0/i.test(c) && /Path=\/api\/auth\/refresh/i.test(c))).toBe(
      true,
    );
    expect((await call(ME, "/api/me", { cookie: s.access })).status).toBe(401);
  });

  it("refuses a cookie sign-out from another origin (403) and anonymous calls (401), and validates the body", async () => {
    const s = await signedIn("csrf");
    expectError(await call(LOGOUT, "/api/auth/logout", { method: "POST", cookie: s.access, headers: { origin: "https://evil.example" } }), 403, "csrf-rejected");
    expect((await call(ME, "/api/me", { token: s.access })).status).toBe(200);
    expectError(await call(LOGOUT, "/api/auth/logout", { method: "POST" }), 401, "unauthenticated");
    expectError(await call(LOGOUT, "/api/auth/logout", { token: s.access, json: { all: "yes" } }), 400, "validation-failed");
    expect((await call(ME, "/api/me", { token: s.access })).status).toBe(200);
  });
});
