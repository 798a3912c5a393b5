import { settleBackgroundTasks } from "@/lib/auth/background";
import { signIn, verifyEmail } from "@/lib/auth/accounts";
import { AuthError, INVALID_CREDENTIALS_MESSAGE } from "@/lib/auth/errors";
import { validateAccessToken } from "@/lib/auth/session";
import { signInSchema } from "@/lib/validation/auth";
import {
  CTX,
  PASSWORD,
  createVerifiedUser,
  expireLimit,
  latestCode,
  mailsTo,
  observable,
  rejectionOf,
  signUp,
  tableText,
  uniqueEmail,
  setupAuthHarness,
} from "../helpers/auth-harness";

const h = setupAuthHarness();

const WRONG = "wrong horse battery staple 99?";

const attempt = (email: string, password: string, ctx = CTX) => signIn(signInSchema.parse({ email, password }), ctx);

async function failure(email: string, password: string, ctx = CTX): Promise<AuthError> {
  const err = await rejectionOf(attempt(email, password, ctx));
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

const GENERIC = {
  constructor: "AuthError",
  name: "AuthError",
  code: "invalid-credentials",
  message: INVALID_CREDENTIALS_MESSAGE,
  status: 401,
  retryAfter: undefined,
};

describe("sign-in", () => {
  it("signs a verified user in with a live session", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("ok"));
    const result = await attempt(email, PASSWORD);
    expect(result.status).toBe("signed-in");
    if (result.status !== "signed-in") return;
    const valid = await validateAccessToken(result.tokens.accessToken);
    expect(valid?.session.user.email).toBe(email);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.lastLoginAt).toBeInstanceOf(Date);
  });

  it("accepts the email in any case and with spaces around it", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("case"));
    expect((await attempt(`  ${email.toUpperCase()} `, PASSWORD)).status).toBe("signed-in");
  });

  it("answers unknown email, wrong password and locked account with one identical error", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("same"));
    const unknown = await failure(uniqueEmail("nobody"), PASSWORD);
    const wrong = await failure(email, WRONG);
    await h.db.user.update({ where: { email }, data: { lockedUntil: new Date(Date.now() + 60_000) } });
    const locked = await failure(email, PASSWORD);
    expect(observable(unknown)).toEqual(GENERIC);
    expect(observable(wrong)).toEqual(GENERIC);
    expect(observable(locked)).toEqual(GENERIC);
  });

  it("locks sign-in for 15 minutes after 10 consecutive failures, even with the right password", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("lock"));
    for (let i = 0; i < 9; i++) await failure(email, `${WRONG}${i}`);
    expect((await h.db.user.findUniqueOrThrow({ where: { email } })).lockedUntil).toBeNull();

    const before = Date.now();
    await failure(email, `${WRONG}-10`);
    const after = Date.now();
    const { lockedUntil } = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(lockedUntil).not.toBeNull();
    expect(lockedUntil!.getTime()).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
    expect(lockedUntil!.getTime()).toBeLessThanOrEqual(after + 15 * 60_000 + 1000);

    const locked = await failure(email, PASSWORD);
    expect(observable(locked)).toEqual(GENERIC);
    expect(await h.db.session.count()).toBe(1); // only the one from verification

    // A minute before the end it is still locked…
    await h.db.user.update({ where: { email }, data: { lockedUntil: new Date(Date.now() + 60_000) } });
    await failure(email, PASSWORD);
    // …and once the 15 minutes are over the right password works again.
    await h.db.user.update({ where: { email }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    expect((await attempt(email, PASSWORD)).status).toBe("signed-in");
  });

  it("a burst of concurrent wrong guesses gets no more than 10 password checks before the lock", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("burst"));
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    // 40 guesses at once from 40 addresses (so the per-IP limit is not what stops them).
    const errors = await Promise.all(
      Array.from({ length: 40 }, (_, i) => failure(email, `${WRONG}~${i}`, { ...CTX, ip: `192.0.2.${i + 1}` })),
    );
    for (const e of errors) expect(observable(e)).toEqual(GENERIC);
    expect((await h.db.user.findUniqueOrThrow({ where: { email } })).lockedUntil).not.toBeNull();
    // Every checked wrong password is logged as authn_login_fail; answers given because of the lock are not.
    const checked = await h.db.authEvent.count({ where: { userId: user.id, type: "authn_login_fail" } });
    expect(checked).toBeLessThanOrEqual(10);
  });

  it("a successful sign-in resets the failure count", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("reset"));
    for (let i = 0; i < 9; i++) await failure(email, WRONG);
    expect((await h.db.user.findUniqueOrThrow({ where: { email } })).failedLoginCount).toBe(9);
    expect((await attempt(email, PASSWORD)).status).toBe("signed-in");
    expect((await h.db.user.findUniqueOrThrow({ where: { email } })).failedLoginCount).toBe(0);
    for (let i = 0; i < 9; i++) await failure(email, WRONG);
    expect((await attempt(email, PASSWORD)).status).toBe("signed-in");
    expect((await h.db.user.findUniqueOrThrow({ where: { email } })).lockedUntil).toBeNull();
  });

  it("tells an unverified account with the right password to confirm, with a fresh code that works", async () => {
    const email = uniqueEmail("unverified");
    await signUp(email);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    const firstCode = latestCode(h.sink, email);
    expect(await expireLimit(h.db, "otpSendCooldown", `VERIFY_EMAIL:${user.id}`)).toBe(1);

    const result = await attempt(email, PASSWORD);
    expect(result).toEqual({ status: "verify-email", email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    await settleBackgroundTasks(); // the code goes out after the answer
    expect(mailsTo(h.sink, email)).toHaveLength(2);
    const freshCode = latestCode(h.sink, email);
    expect(await h.db.session.count()).toBe(0);
    expect(await h.db.authEvent.count({ where: { type: "authn_login_unverified", userId: user.id } })).toBe(1);

    const registration = result.status === "verify-email" ? result.registration : "";
    if (freshCode !== firstCode) {
      await expect(verifyEmail({ email, code: firstCode, registration }, CTX)).rejects.toMatchObject({ code: "invalid-code" });
    }
    await expect(verifyEmail({ email, code: freshCode, registration }, CTX)).resolves.toMatchObject({
      status: "signed-in",
      tokens: { userId: user.id },
    });
  });

  it("answers an unverified account with a wrong password like any failure, sending nothing", async () => {
    const email = uniqueEmail("unverified-wrong");
    await signUp(email);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    await expireLimit(h.db, "otpSendCooldown", `VERIFY_EMAIL:${user.id}`);
    const err = await failure(email, WRONG);
    expect(observable(err)).toEqual(GENERIC);
    expect(mailsTo(h.sink, email)).toHaveLength(1);
  });

  it("limits sign-in per client IP and answers rate-limited with retryAfter", async () => {
    const ctx = { ...CTX, ip: "198.51.100.9" };
    let limited: AuthError | undefined;
    let tries = 0;
    while (!limited && tries < 50) {
      tries += 1;
      const err = await failure(uniqueEmail("spray"), WRONG, ctx);
      if (err.code === "rate-limited") limited = err;
      else expect(err.code).toBe("invalid-credentials");
    }
    expect(tries).toBe(31); // 30 per minute, the 31st is refused
    expect(observable(limited)).toMatchObject({ code: "rate-limited", status: 429 });
    expect(limited!.retryAfter).toBeGreaterThan(0);
    expect(limited!.retryAfter).toBeLessThanOrEqual(60);
    expect(limited!.message).toContain(String(limited!.retryAfter));
    // Even the right password of a real account is refused from that address…
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("victim"));
    expect((await failure(email, PASSWORD, ctx)).code).toBe("rate-limited");
    // …while another address is not affected.
    expect((await attempt(email, PASSWORD)).status).toBe("signed-in");
    expect(await h.db.authEvent.count({ where: { type: "rate_limit_exceeded", ip: "198.51.100.9" } })).toBeGreaterThanOrEqual(1);
  });

  it("records success, failure and lock events with who, where and which request, never the password", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("audit"));
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    await attempt(email, PASSWORD);
    for (let i = 0; i < 10; i++) await failure(email, `${WRONG}#${i}`);
    await failure(uniqueEmail("ghost"), "ghost password that is long enough");

    const events = await h.db.authEvent.findMany({ orderBy: { createdAt: "asc" } });
    const ofUser = (type: string) => events.filter((e) => e.type === type && e.userId === user.id);
    expect(ofUser("authn_login_success").length).toBeGreaterThanOrEqual(1);
    expect(ofUser("authn_login_fail")).toHaveLength(10);
    expect(ofUser("authn_login_lock")).toHaveLength(1);
    expect(events.filter((e) => e.type === "authn_login_fail" && e.userId === null)).toHaveLength(1);
    for (const e of [...ofUser("authn_login_success"), ...ofUser("authn_login_fail"), ...ofUser("authn_login_lock")]) {
      expect(e).toMatchObject({ email, ip: CTX.ip, userAgent: CTX.userAgent, requestId: CTX.requestId });
      expect(e.createdAt).toBeInstanceOf(Date);
    }
    const text = (await tableText(h.db, "auth_events")).join("\n");
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain("ghost password");
  });

  it("escapes CR/LF from user input in stored events", async () => {
    await failure("x@example.test", WRONG, { ...CTX, userAgent: "jest\r\nforged: line" });
    const [event] = await h.db.authEvent.findMany({ where: { type: "authn_login_fail" } });
    expect(event!.userAgent).not.toMatch(/[\r\n]/);
    expect(event!.userAgent).toContain("forged");
  });
});
