import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { createDocument } from "zod-openapi";
import { adminApiPaths } from "@/app/api/admin/admin-api";
import { GET as AUDIT } from "@/app/api/admin/audit/route";
import { GET as EXPORT, POST as EXPORT_POST } from "@/app/admin/audit/export/route";
import { DELETE as UNLOCK, POST as LOCK } from "@/app/api/admin/users/[id]/lock/route";
import { POST as PASSWORD_RESET } from "@/app/api/admin/users/[id]/password-reset/route";
import { PUT as ROLE } from "@/app/api/admin/users/[id]/role/route";
import { DELETE as DELETE_USER, GET as USER } from "@/app/api/admin/users/[id]/route";
import { DELETE as REVOKE_SESSION } from "@/app/api/admin/users/[id]/sessions/[sessionId]/route";
import { DELETE as REVOKE_ALL } from "@/app/api/admin/users/[id]/sessions/route";
import { POST as VERIFICATION_CODE } from "@/app/api/admin/users/[id]/verification-code/route";
import { GET as USERS } from "@/app/api/admin/users/route";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { ACCESS_COOKIE } from "@/lib/auth/constants";
import { hashPassword } from "@/lib/auth/password";
import { validateAccessToken, type TokenPair } from "@/lib/auth/session";
import { createUser } from "@/lib/data/users";
import { isMethodNotAllowedHandler } from "@/lib/http/route";
import { CTX, PASSWORD, mailsTo, setupAuthHarness, uniqueEmail, sessionFor } from "../helpers/auth-harness";

/**
 * The admin API twins (/api/admin/*, Bearer tokens of administrators only) and
 * the CSV export (/admin/audit/export, the browser cookie or a Bearer token),
 * through their route handlers on the real database.
 */

const h = setupAuthHarness();
afterEach(async () => {
  await settleBackgroundTasks();
});

const APP = "http://localhost:3000";
const CHALLENGE = 'Bearer realm="gatehouse"';

type Handler = (req: NextRequest, ctx?: { params: Promise<never> }) => Promise<Response>;
type CallOpts = { method?: string; json?: unknown; token?: string; cookie?: string; params?: Record<string, string>; origin?: string };
type Answer = { status: number; headers: Headers; text: string; body: Record<string, unknown> };

async function call(handler: Handler, url: string, o: CallOpts = {}): Promise<Answer> {
  const headers = new Headers();
  let body: string | undefined;
  if (o.json !== undefined) {
    body = JSON.stringify(o.json);
    headers.set("content-type", "application/json");
  }
  if (o.token) headers.set("authorization", `Bearer ${o.token}`);
  if (o.cookie) headers.set("cookie", `${ACCESS_COOKIE}=${o.cookie}`);
  if (o.origin) headers.set("origin", o.origin);
  headers.set("user-agent", "jest-admin-api");
  const req = new NextRequest(new URL(url, APP), { method: o.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  const res = await handler(req, { params: Promise.resolve(o.params ?? {}) as Promise<never> });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  if (text && res.headers.get("content-type")?.startsWith("application/json")) parsed = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, text, body: parsed };
}

function expectError(a: Answer, status: number, error: string): void {
  expect({ status: a.status, error: a.body.error }).toEqual({ status, error });
  expect(a.headers.get("cache-control")).toBe("no-store");
  expect(typeof a.body.message).toBe("string");
}

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

type Person = { id: string; email: string; tokens: TokenPair };
async function person(role: "USER" | "ADMIN" = "USER", verified = true): Promise<Person> {
  const user = await createUser({ email: uniqueEmail(role.toLowerCase()), name: "Ana Tester", passwordHash });
  await h.db.user.update({ where: { id: user.id }, data: { role, emailVerifiedAt: verified ? new Date() : null } });
  return { id: user.id, email: user.email, tokens: await sessionFor({ id: user.id, role }, CTX) };
}

/** Every admin endpoint with a request that would succeed for an admin. */
function endpoints(target: Person): Array<[string, Handler, string, CallOpts]> {
  const p = { id: target.id };
  const base = `/api/admin/users/${target.id}`;
  return [
    ["list users", USERS as Handler, "/api/admin/users", {}],
    ["get user", USER as Handler, base, { params: p }],
    ["change role", ROLE as Handler, `${base}/role`, { method: "PUT", json: { role: "ADMIN" }, params: p }],
    ["lock", LOCK as Handler, `${base}/lock`, { json: { duration: "1h" }, params: p }],
    ["unlock", UNLOCK as Handler, `${base}/lock`, { method: "DELETE", params: p }],
    ["revoke all", REVOKE_ALL as Handler, `${base}/sessions`, { method: "DELETE", params: p }],
    ["revoke one", REVOKE_SESSION as Handler, `${base}/sessions/${target.tokens.sessionId}`, { method: "DELETE", params: { ...p, sessionId: target.tokens.sessionId } }],
    ["verification code", VERIFICATION_CODE as Handler, `${base}/verification-code`, { method: "POST", params: p }],
    ["password reset", PASSWORD_RESET as Handler, `${base}/password-reset`, { method: "POST", params: p }],
    ["delete", DELETE_USER as Handler, base, { method: "DELETE", json: { confirmEmail: target.email }, params: p }],
    ["audit", AUDIT as Handler, "/api/admin/audit", {}],
  ];
}

describe("/api/admin: who may call", () => {
  it("answers 401 with the Bearer challenge without a token, and refuses the browser cookie", async () => {
    const a = await person("ADMIN");
    const target = await person("USER", false);
    for (const [name, handler, url, o] of endpoints(target)) {
      const none = await call(handler, url, o);
      expect({ name, status: none.status }).toEqual({ name, status: 401 });
      expect(none.headers.get("www-authenticate")).toBe(CHALLENGE);
      // An admin's cookie is not a credential here (no CSRF surface on the admin API).
      const cookie = await call(handler, url, { ...o, cookie: a.tokens.accessToken, origin: APP });
      expect({ name, status: cookie.status }).toEqual({ name, status: 401 });
    }
    expect(await h.db.user.count({ where: { id: target.id } })).toBe(1);
  });

  it("answers 403 insufficient_scope to a USER and to an admin demoted after the token was issued", async () => {
    const user = await person("USER");
    const demoted = await person("ADMIN");
    await h.db.user.update({ where: { id: demoted.id }, data: { role: "USER" } });
    const target = await person("USER", false);
    for (const token of [user.tokens.accessToken, demoted.tokens.accessToken]) {
      for (const [name, handler, url, o] of endpoints(target)) {
        const a = await call(handler, url, { ...o, token });
        expect({ name, status: a.status, error: a.body.error }).toEqual({ name, status: 403, error: "forbidden" });
        expect(a.headers.get("www-authenticate")).toBe(`${CHALLENGE}, error="insufficient_scope"`);
      }
    }
    const row = await h.db.user.findUniqueOrThrow({ where: { id: target.id } });
    expect(row).toMatchObject({ role: "USER", lockedUntil: null });
    expect(mailsTo(h.sink, target.email)).toHaveLength(0);
    expect(await h.db.authEvent.count({ where: { type: "authz_fail" } })).toBe(2 * endpoints(target).length);
  });
});

describe("/api/admin: operations", () => {
  it("lists, reads, changes role, locks, unlocks, mails, ends sessions and deletes", async () => {
    const a = await person("ADMIN");
    const token = a.tokens.accessToken;
    const t = await person("USER", false);
    const p = { id: t.id };
    const base = `/api/admin/users/${t.id}`;

    const list = await call(USERS as Handler, `/api/admin/users?q=${encodeURIComponent(t.email)}&match=prefix`, { token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      users: [
        {
          id: t.id,
          email: t.email,
          name: "Ana Tester",
          role: "USER",
          verified: false,
          emailVerifiedAt: null,
          locked: false,
          lockedUntil: null,
          failedLoginCount: 0,
          createdAt: expect.any(String),
          lastLoginAt: expect.any(String), // its session was made by a sign-in
        },
      ],
      next: null,
      previous: null,
    });

    const detail = await call(USER as Handler, base, { token, params: p });
    expect(detail.status).toBe(200);
    expect((detail.body.user as { email: string }).email).toBe(t.email);
    expect(detail.body.sessions).toEqual([expect.objectContaining({ id: t.tokens.sessionId, live: true })]);

    const role = await call(ROLE as Handler, `${base}/role`, { token, method: "PUT", json: { role: "ADMIN", userId: a.id }, params: p });
    expect(role.body).toEqual({ changed: true, from: "USER", to: "ADMIN" });
    await call(ROLE as Handler, `${base}/role`, { token, method: "PUT", json: { role: "USER" }, params: p });

    const lock = await call(LOCK as Handler, `${base}/lock`, { token, json: { duration: "30d" }, params: p });
    expect(lock.status).toBe(200);
    expect(lock.body).toEqual({ lockedUntil: expect.any(String), revokedSessions: 1 });
    expect(await validateAccessToken(t.tokens.accessToken)).toBeNull();
    const unlock = await call(UNLOCK as Handler, `${base}/lock`, { token, method: "DELETE", params: p });
    expect(unlock.body).toEqual({ ok: true });

    const s = await sessionFor({ id: t.id, role: "USER" }, CTX);
    const one = await call(REVOKE_SESSION as Handler, `${base}/sessions/${s.sessionId}`, { token, method: "DELETE", params: { ...p, sessionId: s.sessionId } });
    expect(one.body).toEqual({ ok: true });
    const again = await call(REVOKE_SESSION as Handler, `${base}/sessions/${s.sessionId}`, { token, method: "DELETE", params: { ...p, sessionId: s.sessionId } });
    expectError(again, 404, "not-found");
    await sessionFor({ id: t.id, role: "USER" }, CTX);
    expect((await call(REVOKE_ALL as Handler, `${base}/sessions`, { token, method: "DELETE", params: p })).body).toEqual({ count: 1 });

    expect((await call(VERIFICATION_CODE as Handler, `${base}/verification-code`, { token, method: "POST", params: p })).body).toEqual({ ok: true });
    const tooSoon = await call(VERIFICATION_CODE as Handler, `${base}/verification-code`, { token, method: "POST", params: p });
    expectError(tooSoon, 429, "rate-limited");
    expect(Number(tooSoon.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await call(PASSWORD_RESET as Handler, `${base}/password-reset`, { token, method: "POST", params: p })).body).toEqual({ ok: true });
    await settleBackgroundTasks();
    expect(mailsTo(h.sink, t.email)).toHaveLength(2);

    const wrong = await call(DELETE_USER as Handler, base, { token, method: "DELETE", json: { confirmEmail: "other@example.test" }, params: p });
    expectError(wrong, 400, "validation-failed");
    const missing = await call(DELETE_USER as Handler, base, { token, method: "DELETE", json: {}, params: p });
    expectError(missing, 400, "validation-failed");
    expect(Object.keys(missing.body.fields as object)).toEqual(["confirmEmail"]);
    const del = await call(DELETE_USER as Handler, base, { token, method: "DELETE", json: { confirmEmail: t.email }, params: p });
    expect(del.body).toEqual({ deleted: t.email });
    expect(await h.db.user.count({ where: { id: t.id } })).toBe(0);

    const audit = await call(AUDIT as Handler, `/api/admin/audit?type=user_deleted`, { token });
    expect(audit.status).toBe(200);
    expect(audit.body.events).toEqual([expect.objectContaining({ type: "user_deleted", email: t.email, userId: null })]);
  });

  it("refuses to demote the last admin (403) and answers 404 for malformed and unknown ids, 400 for bad filters", async () => {
    const a = await person("ADMIN");
    const token = a.tokens.accessToken;
    const last = await call(ROLE as Handler, `/api/admin/users/${a.id}/role`, { token, method: "PUT", json: { role: "USER" }, params: { id: a.id } });
    expectError(last, 403, "forbidden");
    expect(last.body.message).toMatch(/last administrator/);
    expect(last.headers.get("www-authenticate")).toBeNull();

    for (const id of ["nope", "00000000-0000-0000-0000-000000000000"]) {
      expectError(await call(USER as Handler, `/api/admin/users/${id}`, { token, params: { id } }), 404, "not-found");
      expectError(await call(LOCK as Handler, `/api/admin/users/${id}/lock`, { token, json: { duration: "1h" }, params: { id } }), 404, "not-found");
    }
    const badRole = await call(ROLE as Handler, `/api/admin/users/${a.id}/role`, { token, method: "PUT", json: { role: "ROOT" }, params: { id: a.id } });
    expectError(badRole, 400, "validation-failed");
    const badQuery = await call(USERS as Handler, "/api/admin/users?role=ROOT&limit=0&after=x", { token });
    expectError(badQuery, 400, "validation-failed");
    expect(Object.keys(badQuery.body.fields as object).sort()).toEqual(["after", "limit", "role"]);
    const badAudit = await call(AUDIT as Handler, "/api/admin/audit?from=2026-02-30&type=nope", { token });
    expectError(badAudit, 400, "validation-failed");
    expect(Object.keys(badAudit.body.fields as object).sort()).toEqual(["from", "type"]);
    // PostgreSQL refuses NUL in text: a search or filter carrying one is the caller's mistake (found by e2e/fuzz).
    const nul = await call(USERS as Handler, "/api/admin/users?q=a%00b", { token });
    expectError(nul, 400, "validation-failed");
    expect(Object.keys(nul.body.fields as object)).toEqual(["q"]);
    const nulAudit = await call(AUDIT as Handler, "/api/admin/audit?email=a%00b&ip=1%00", { token });
    expectError(nulAudit, 400, "validation-failed");
    expect(Object.keys(nulAudit.body.fields as object).sort()).toEqual(["email", "ip"]);
  });

  it("documents exactly the admin routes and methods that exist (for lib/openapi/document.ts)", async () => {
    const dir = path.resolve(__dirname, "../../app/api/admin");
    const walk = (d: string): string[] =>
      readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? walk(path.join(d, n)) : n === "route.ts" ? [path.join(d, n)] : []));
    const fromFiles: Record<string, string[]> = {};
    for (const file of walk(dir)) {
      const rel = path.relative(path.resolve(dir, "../.."), path.dirname(file)).split(path.sep);
      const key = "/" + rel.map((s) => s.replace(/^\[(\w+)\]$/, "{$1}")).join("/");
      const mod = (await import(file)) as Record<string, unknown>;
      fromFiles[key] = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        .filter((m) => typeof mod[m] === "function" && !isMethodNotAllowedHandler(mod[m]))
        .map((m) => m.toLowerCase())
        .sort();
    }
    const documented = Object.fromEntries(Object.entries(adminApiPaths()).map(([k, v]) => [k, Object.keys(v as object).sort()]));
    expect(documented).toEqual(fromFiles);
    const doc = createDocument({ openapi: "3.1.0", info: { title: "t", version: "1" }, paths: adminApiPaths() });
    expect(Object.keys(doc.paths ?? {})).toHaveLength(Object.keys(fromFiles).length);
  });
});

describe("GET /admin/audit/export", () => {
  function parseCsv(text: string): string[][] {
    // Every field is quoted: split on the "," between quotes.
    return text
      .trimEnd()
      .split("\r\n")
      .map((line) => line.slice(1, -1).split('","').map((f) => f.replace(/""/g, '"')));
  }

  it("streams the filtered events as CSV to an admin's cookie session, neutralising formulas", async () => {
    const a = await person("ADMIN");
    await h.db.authEvent.createMany({
      data: [
        { type: "authn_login_fail", email: "=1+2@evil.test", ip: "203.0.113.9", userAgent: '+SUM(A1) "x", y' },
        { type: "authn_login_fail", email: "@cmd@evil.test", ip: "203.0.113.9", userAgent: "-2" },
        { type: "authn_login_success", email: "plain@example.test", ip: "203.0.113.9" },
      ],
    });
    const res = await call(EXPORT as Handler, "/admin/audit/export?type=authn_login_fail&ip=203.0.113.9", { cookie: a.tokens.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="gatehouse-audit-\d{8}T\d{6}Z\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual(["created_at", "type", "email", "user_id", "ip", "user_agent", "request_id", "detail"]);
    expect(rows).toHaveLength(3);
    const emails = rows.slice(1).map((r) => r[2]);
    expect(emails.sort()).toEqual(["'=1+2@evil.test", "'@cmd@evil.test"]);
    const agents = rows.slice(1).map((r) => r[5]);
    expect(agents.sort()).toEqual(["'+SUM(A1) \"x\", y", "'-2"]);
    // A Bearer token of an admin works too.
    expect((await call(EXPORT as Handler, "/admin/audit/export", { token: a.tokens.accessToken })).status).toBe(200);
  });

  it("answers 401 without a session, 403 to a USER or a demoted admin, 400 for bad filters, 405 for POST", async () => {
    const u = await person("USER");
    const demoted = await person("ADMIN");
    await h.db.user.update({ where: { id: demoted.id }, data: { role: "USER" } });
    expectError(await call(EXPORT as Handler, "/admin/audit/export"), 401, "unauthenticated");
    expectError(await call(EXPORT as Handler, "/admin/audit/export", { cookie: "forged.token.value" }), 401, "invalid-token");
    const userRes = await call(EXPORT as Handler, "/admin/audit/export", { cookie: u.tokens.accessToken });
    expectError(userRes, 403, "forbidden");
    expect(userRes.text).not.toContain("created_at");
    expectError(await call(EXPORT as Handler, "/admin/audit/export", { cookie: demoted.tokens.accessToken }), 403, "forbidden");
    const a = await person("ADMIN");
    expectError(await call(EXPORT as Handler, "/admin/audit/export?to=yesterday", { cookie: a.tokens.accessToken }), 400, "validation-failed");
    expectError(await call(EXPORT_POST as Handler, "/admin/audit/export", { method: "POST", cookie: a.tokens.accessToken, origin: APP }), 405, "method-not-allowed");
    expect(await h.db.authEvent.count({ where: { type: "authz_admin" } })).toBe(0);
  });
});
