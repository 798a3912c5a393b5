/**
 * SECURITY.md "Audit", across every flow at once: each auth event the rule
 * lists is stored under its OWASP logging-vocabulary name with the user, IP,
 * user agent, request id and time; and none of the passwords, codes, tokens or
 * cookie values those flows handled reaches a log line or any table. (CR/LF
 * escaping is in __tests__/integration/auth-signin.test.ts; the redaction list
 * in __tests__/unit/log.test.ts.)
 */
import { NextRequest } from "next/server";
import { POST as LOGOUT } from "@/app/api/auth/logout/route";
import { PATCH as PATCH_ME } from "@/app/api/me/route";
import { registerAccount, signIn, verifyEmail } from "@/lib/auth/accounts";
import { changeUserRole } from "@/lib/auth/admin";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { ACCESS_COOKIE, LOCKOUT_THRESHOLD } from "@/lib/auth/constants";
import { changePassword, confirmEmailChange, requestEmailChange } from "@/lib/auth/profile";
import { requestPasswordReset, resetPassword } from "@/lib/auth/recovery";
import { refreshSession } from "@/lib/auth/session";
import { createLogger } from "@/lib/log";
import { signUpSchema, verifyEmailSchema } from "@/lib/validation/auth";
import { extractCode, extractLink } from "../helpers/smtp-sink";
import { ALL_TABLES, PASSWORD, OTHER_PASSWORD, latestCode, mailsTo, setupAuthHarness, tableText, uniqueEmail, sessionFor } from "../helpers/auth-harness";

const h = setupAuthHarness();

const CTX = { ip: "203.0.113.50", userAgent: "audit-agent/1.0 (test)", requestId: "audit-request-1" };
const THIRD_PASSWORD = "amber quiet lighthouse 7 ferns";

type Flows = { secrets: Set<string>; started: Date; expected: Array<{ type: string; userId: string | null; ip: string }> };

/**
 * Sign-up, verify, sign-in success/failure/lock, refresh reuse, sign-out,
 * password change and reset, email change, role change, a rate-limit hit and
 * a CSRF rejection, each through the code path the app uses.
 */
async function runEveryFlow(): Promise<Flows> {
  const started = new Date(Date.now() - 1000);
  const secrets = new Set<string>([PASSWORD, OTHER_PASSWORD, THIRD_PASSWORD]);
  const expected: Flows["expected"] = [];
  const keep = (...values: string[]) => values.forEach((v) => secrets.add(v));
  const idOf = async (email: string) => (await h.db.user.findUniqueOrThrow({ where: { email } })).id;

  // Sign-up and verify (the verify also signs in).
  const email = uniqueEmail("audit");
  const { registration } = await registerAccount(signUpSchema.parse({ email, name: "Ana Tester", password: PASSWORD }), CTX);
  const code = latestCode(h.sink, email);
  const verified = await verifyEmail({ ...verifyEmailSchema.parse({ email, code }), registration }, CTX);
  if (verified.status !== "signed-in") throw new Error("not signed in");
  const first = verified.tokens;
  keep(code, registration, first.accessToken, first.refreshToken);
  const userId = await idOf(email);
  expected.push(...["user_created", "authn_email_verified", "authn_login_success"].map((type) => ({ type, userId, ip: CTX.ip })));

  // Sign-in success and failure.
  const second = await signIn({ email, password: PASSWORD }, CTX);
  if (second.status === "signed-in") keep(second.tokens.accessToken, second.tokens.refreshToken);
  await signIn({ email, password: "a wrong guess for the audit" }, CTX).catch(() => {});
  expected.push({ type: "authn_login_fail", userId, ip: CTX.ip });

  // Lock: 10 failures on another account.
  const lockedEmail = uniqueEmail("locked");
  await registerAccount(signUpSchema.parse({ email: lockedEmail, name: "Lou Locked", password: PASSWORD }), CTX);
  for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await signIn({ email: lockedEmail, password: `wrong guess ${i} xyz` }, { ...CTX, ip: `203.0.113.${60 + i}` }).catch(() => {});
  expected.push({ type: "authn_login_lock", userId: await idOf(lockedEmail), ip: `203.0.113.${59 + LOCKOUT_THRESHOLD}` });

  // Refresh-token reuse (no grace window: a replay is a replay).
  h.setEnv({ REFRESH_GRACE_SECONDS: "0" });
  const rotated = await refreshSession(first.refreshToken, CTX);
  if (rotated.ok) keep(rotated.tokens.accessToken, rotated.tokens.refreshToken);
  await refreshSession(first.refreshToken, CTX);
  expected.push({ type: "authn_token_reuse", userId, ip: CTX.ip });

  // Sign-out through the API, and a CSRF rejection: the context comes from the request's headers.
  h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for" });
  const http = { "user-agent": CTX.userAgent, "x-request-id": "audit-request-2", "x-forwarded-for": "203.0.113.51" };
  const third = await sessionFor({ id: userId, role: "USER" }, CTX);
  keep(third.accessToken, third.refreshToken);
  await LOGOUT(new NextRequest(new URL("/api/auth/logout", "http://localhost:3000"), { method: "POST", headers: { ...http, authorization: `Bearer ${third.accessToken}` } }));
  expected.push({ type: "logout", userId, ip: "203.0.113.51" });
  const fourth = await sessionFor({ id: userId, role: "USER" }, CTX);
  keep(fourth.accessToken, fourth.refreshToken);
  await PATCH_ME(
    new NextRequest(new URL("/api/me", "http://localhost:3000"), {
      method: "PATCH",
      headers: { ...http, origin: "https://evil.test", cookie: `${ACCESS_COOKIE}=${fourth.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Mallory" }),
    }),
  );
  expected.push({ type: "malicious_csrf", userId: null, ip: "203.0.113.51" });

  // Password change (needs the current one).
  const actor = { userId, sessionId: fourth.sessionId };
  await changePassword(actor, { currentPassword: PASSWORD, password: OTHER_PASSWORD }, CTX);
  expected.push({ type: "authn_password_change", userId, ip: CTX.ip });

  // Password reset from the mailed link.
  await requestPasswordReset(email, CTX);
  await settleBackgroundTasks();
  const token = new URL(extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password")).searchParams.get("token")!;
  keep(token);
  await resetPassword({ token, password: THIRD_PASSWORD }, CTX);
  expected.push({ type: "authn_password_reset_request", userId, ip: CTX.ip }, { type: "authn_password_reset", userId, ip: CTX.ip });

  // Email change with the code sent to the new address.
  const fifth = await sessionFor({ id: userId, role: "USER" }, CTX);
  keep(fifth.accessToken, fifth.refreshToken);
  const newEmail = uniqueEmail("moved");
  await requestEmailChange({ userId, sessionId: fifth.sessionId }, { newEmail, currentPassword: THIRD_PASSWORD }, CTX);
  await settleBackgroundTasks();
  const changeCode = extractCode(mailsTo(h.sink, newEmail).at(-1)!);
  keep(changeCode);
  await confirmEmailChange({ userId, sessionId: fifth.sessionId }, { code: changeCode }, CTX);
  expected.push({ type: "user_email_change_request", userId, ip: CTX.ip }, { type: "user_email_changed", userId, ip: CTX.ip });

  // Role change by an admin.
  const adminEmail = uniqueEmail("admin");
  await registerAccount(signUpSchema.parse({ email: adminEmail, name: "Ada Admin", password: PASSWORD }), CTX);
  const adminId = await idOf(adminEmail);
  await h.db.user.update({ where: { id: adminId }, data: { role: "ADMIN", emailVerifiedAt: new Date() } });
  const adminSession = await sessionFor({ id: adminId, role: "ADMIN" }, CTX);
  keep(adminSession.accessToken, adminSession.refreshToken);
  await changeUserRole({ userId: adminId, sessionId: adminSession.sessionId }, userId, "ADMIN", CTX);
  expected.push({ type: "privilege_permissions_changed", userId, ip: CTX.ip });

  // A rate-limit hit: 31 sign-ins from one address within the minute.
  for (let i = 0; i <= 30; i++) await signIn({ email: uniqueEmail("spray"), password: "spray guess" }, { ...CTX, ip: "203.0.113.99" }).catch(() => {});
  expected.push({ type: "rate_limit_exceeded", userId: null, ip: "203.0.113.99" });

  for (const mail of h.sink.mails) for (const c of mail.text?.match(/\b\d{6}\b/g) ?? []) keep(c);
  return { secrets, started, expected };
}

describe("every auth event is stored", () => {
  it("under its OWASP name, with user, IP, user agent, request id and time", async () => {
    const { started, expected } = await runEveryFlow();
    const finished = new Date(Date.now() + 1000);
    const rows = await h.db.authEvent.findMany({ orderBy: { createdAt: "asc" } });
    const found = expected.map((e) => {
      const row = rows.find((r) => r.type === e.type && (e.userId === null || r.userId === e.userId) && r.ip === e.ip);
      return {
        type: e.type,
        stored: Boolean(row),
        userId: row?.userId ?? null,
        ip: row?.ip ?? null,
        userAgent: row?.userAgent ?? null,
        requestId: Boolean(row?.requestId),
        // timestamptz: the stored instant is the moment of the event, whatever the server's zone.
        timely: Boolean(row && row.createdAt >= started && row.createdAt <= finished),
      };
    });
    expect(found).toEqual(
      expected.map((e) => ({ type: e.type, stored: true, userId: e.userId, ip: e.ip, userAgent: CTX.userAgent, requestId: true, timely: true })),
    );
    // Only names from the OWASP logging vocabulary's families.
    for (const r of rows) expect(r.type).toMatch(/^(authn|authz|session|user|privilege|malicious|rate_limit|logout)(_[a-z]+)*$/);
    expect((await h.db.$queryRawUnsafe<Array<{ t: string }>>(`SELECT data_type AS t FROM information_schema.columns WHERE table_name = 'auth_events' AND column_name = 'created_at'`))[0]?.t).toBe(
      "timestamp with time zone",
    );
  });
});

describe("secrets never reach logs or stored rows", () => {
  it("no password, code, token or cookie value from any flow appears in a log line or any table", async () => {
    // Every log line of the run, at the most verbose level, from pino and from console.
    h.setEnv({ LOG_LEVEL: "trace" });
    let logs = "";
    const g = globalThis as unknown as { __gatehouseLog?: unknown };
    const previous = g.__gatehouseLog;
    g.__gatehouseLog = createLogger({ write: (line: string) => void (logs += line) });
    const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation((...args: unknown[]) => void (logs += `${args.map(String).join(" ")}\n`)),
    );
    let secrets: Set<string>;
    try {
      ({ secrets } = await runEveryFlow());
    } finally {
      g.__gatehouseLog = previous;
      for (const s of consoleSpies) s.mockRestore();
    }
    expect(logs).toMatch(/"msg":"auth event"/); // the check reads real log lines
    expect(secrets.size).toBeGreaterThan(15);

    const tables = (await Promise.all(ALL_TABLES.map((t) => tableText(h.db, t)))).flat().join("\n");
    const leaks = [...secrets].flatMap((s) => {
      const inText = (text: string) => (/^\d{6}$/.test(s) ? new RegExp(`(?<![0-9A-Za-z])${s}(?![0-9A-Za-z])`).test(text) : text.includes(s));
      return [...(inText(logs) ? [`log: ${s.slice(0, 10)}…`] : []), ...(inText(tables) ? [`table: ${s.slice(0, 10)}…`] : [])];
    });
    expect(leaks).toEqual([]);
  });
});
