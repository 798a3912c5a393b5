import { registerAccount, signIn, verifyEmail, WeakPasswordError } from "@/lib/auth/accounts";
import { AuthError } from "@/lib/auth/errors";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { validateAccessToken } from "@/lib/auth/session";
import { passwordBytes, signInSchema, signUpSchema, verifyEmailSchema } from "@/lib/validation/auth";
import { extractCode } from "../helpers/smtp-sink";
import {
  CTX,
  OTHER_PASSWORD,
  PASSWORD,
  allDbText,
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

describe("sign-up", () => {
  it("creates one unverified user whose password is stored only as a bcrypt hash", async () => {
    const email = uniqueEmail("new");
    const result = await signUp(email, { name: "Ana Tester" });
    expect(result).toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });

    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeNull();
    expect(user.role).toBe("USER");
    expect(user.name).toBe("Ana Tester");
    // bcrypt, at the configured cost (4 in tests), and it checks out.
    expect(user.passwordHash).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
    expect(await verifyPassword(PASSWORD, user.passwordHash)).toBe(true);
    // The plain password appears in no column of any table (events included).
    expect(await allDbText(h.db)).not.toContain(PASSWORD);
    expect(await h.db.user.count()).toBe(1);
  });

  it("mails a 6-digit code that confirms the address, marks the user verified and returns a working session", async () => {
    const email = uniqueEmail("verify");
    const { registration } = await signUp(email);
    const mails = mailsTo(h.sink, email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/code is \d{6}/);
    const code = extractCode(mails[0]!);

    const result = await verifyEmail({ ...verifyEmailSchema.parse({ email, code }), registration }, CTX);
    if (result.status !== "signed-in") throw new Error("expected a session");
    const tokens = result.tokens;
    expect(tokens.accessToken.split(".")).toHaveLength(3);
    expect(tokens.refreshToken.length).toBeGreaterThanOrEqual(43);
    expect(tokens.expiresIn).toBe(900);

    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(tokens.userId).toBe(user.id);
    const valid = await validateAccessToken(tokens.accessToken);
    expect(valid?.session.userId).toBe(user.id);
    expect(valid?.session.user.emailVerifiedAt).not.toBeNull();
    const types = (await h.db.authEvent.findMany({ where: { userId: user.id } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["user_created", "authn_email_verified", "authn_login_success"]));
  });

  it("a new sign-up for a pending (never verified) address replaces its name and password and mails a fresh code", async () => {
    const email = uniqueEmail("pending");
    const first = await signUp(email, { name: "Squatter" });
    const before = await h.db.user.findUniqueOrThrow({ where: { email } });

    const second = await signUp(email, { name: "Owner", password: OTHER_PASSWORD });
    expect(Object.keys(second)).toEqual(Object.keys(first));
    expect(second.email).toBe(first.email);

    const mails = mailsTo(h.sink, email);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toMatch(/code is \d{6}/); // a fresh code, at once (no cooldown for a replacement)

    const after = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(after.id).toBe(before.id); // same row: its hourly wrong-code budget carries on
    expect(after.name).toBe("Owner");
    expect(await verifyPassword(OTHER_PASSWORD, after.passwordHash)).toBe(true);
    expect(await verifyPassword(PASSWORD, after.passwordHash)).toBe(false);
    expect(after.securityVersion).toBe(before.securityVersion + 1);
    expect(after.signupSecretHash).not.toBe(before.signupSecretHash);
    expect(await h.db.user.count()).toBe(1);
    expect(await h.db.authEvent.count({ where: { type: "user_signup_pending_replaced", userId: before.id } })).toBe(1);
  });

  it("answers a taken email of a verified account the same way and does not touch it", async () => {
    const email = uniqueEmail("verified-taken");
    await signUp(email);
    await verifyEmail({ email, code: latestCode(h.sink, email) }, CTX);
    const before = await h.db.user.findUniqueOrThrow({ where: { email } });

    expect(await signUp(email, { password: OTHER_PASSWORD })).toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    const after = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.emailVerifiedAt).toEqual(before.emailVerifiedAt);
    expect(mailsTo(h.sink, email).at(-1)!.subject).toMatch(/tried to create/i);
  });

  it("refuses a common password with the reason, creating nothing and sending nothing", async () => {
    const email = uniqueEmail("weak");
    const input = signUpSchema.parse({ email, name: "Ana", password: "password12345678" });
    const err = await rejectionOf(registerAccount(input, CTX));
    expect(err).toBeInstanceOf(WeakPasswordError);
    expect(err).toMatchObject({ code: "validation-failed", status: 400 });
    expect((err as Error).message).toMatch(/too easy to guess/);
    expect((err as Error).message).toMatch(/commonly used password/);
    expect(await h.db.user.count()).toBe(0);
    expect(mailsTo(h.sink, email)).toHaveLength(0);
  });

  it("refuses a password made of the user's own email address (strong without it)", async () => {
    const email = "marguerite.fontaine@example.test";
    const input = signUpSchema.parse({ email, name: "Marguerite Fontaine", password: "marguerite.fontaine@example.test" });
    const err = await rejectionOf(registerAccount(input, CTX));
    expect(err).toBeInstanceOf(WeakPasswordError);
    expect((err as Error).message).toMatch(/personal/);
    expect(await h.db.user.count()).toBe(0);
  });

  it("refuses a password built on the app's name", async () => {
    const input = signUpSchema.parse({ email: uniqueEmail("app"), name: "Ana", password: "gatehouse1234567" });
    const err = await rejectionOf(registerAccount(input, CTX));
    expect(err).toBeInstanceOf(WeakPasswordError);
    expect(await h.db.user.count()).toBe(0);
  });

  it("refuses a password shorter than 15 characters in the schema", async () => {
    const r = signUpSchema.safeParse({ email: uniqueEmail(), name: "Ana", password: "violet kettle9" });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/at least 15 characters/);
  });

  it("accepts spaces and any Unicode, without composition rules", async () => {
    const email = uniqueEmail("unicode");
    const password = "ünïcödé ☕ kettle drums under moons";
    await signUp(email, { password });
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(await verifyPassword(password, user.passwordHash)).toBe(true);
  });

  it("refuses a password over 72 bytes in the schema with a clear error instead of truncating it", () => {
    const exactly72 = "violet kettle drums under nine moons " + "x".repeat(72 - 37);
    expect(passwordBytes(exactly72)).toBe(72);
    const ok = signUpSchema.safeParse({ email: uniqueEmail(), name: "Ana", password: exactly72 });
    expect(ok.success).toBe(true);
    // Parsing keeps the password whole: nothing is cut off.
    expect(ok.data?.password).toBe(exactly72);

    for (const long of [exactly72 + "y", "é".repeat(37) /* 37 characters, 74 bytes */, "🔑".repeat(19) /* 76 bytes */]) {
      expect(passwordBytes(long)).toBeGreaterThan(72);
      const r = signUpSchema.safeParse({ email: uniqueEmail(), name: "Ana", password: long });
      expect(r.success).toBe(false);
      expect(r.error?.issues.map((i) => i.message).join(" ")).toMatch(/at most 72 bytes/);
    }
  });

  it("never lets a longer password match through its first 72 bytes (no silent bcrypt truncation)", async () => {
    // A 72-byte password is allowed; bcrypt ignores every byte after the 72nd.
    const exactly72 = "violet kettle drums under nine moons " + "x".repeat(72 - 37);
    const hash = await hashPassword(exactly72);
    expect(await verifyPassword(exactly72, hash)).toBe(true);
    expect(await verifyPassword(exactly72 + "anything else", hash)).toBe(false);
    // Hashing a too-long password must not quietly store its truncation either.
    const err = await hashPassword(exactly72 + "tail").then(
      (h2) => verifyPassword(exactly72, h2),
      () => false,
    );
    expect(err).toBe(false);
  });

  it("does not sign anyone in with the 72-byte password plus extra characters", async () => {
    const exactly72 = "violet kettle drums under nine moons " + "x".repeat(72 - 37);
    const email = uniqueEmail("trunc");
    const { registration } = await signUp(email, { password: exactly72 });
    await verifyEmail({ email, code: latestCode(h.sink, email), registration }, CTX);
    expect((await signIn(signInSchema.parse({ email, password: exactly72 }), CTX)).status).toBe("signed-in");
    const err = await rejectionOf(signIn(signInSchema.parse({ email, password: `${exactly72}-and-more` }), CTX));
    expect(err).toMatchObject({ code: "invalid-credentials" });
  });

  it("trims and lowercases the email: Victim@X.com is victim@x.com", async () => {
    const result = await signUp("  Victim@X.com ");
    expect(result).toEqual({ email: "victim@x.com", registration: expect.stringMatching(/^[\w-]{43}$/) });
    const users = await h.db.user.findMany();
    expect(users.map((u) => u.email)).toEqual(["victim@x.com"]);
    expect(mailsTo(h.sink, "victim@x.com").at(-1)!.subject).toMatch(/code is/);

    // Another spelling is the same (still pending) account: no second user.
    await signUp("VICTIM@x.COM", { password: OTHER_PASSWORD });
    expect(await h.db.user.count()).toBe(1);
    expect(await tableText(h.db, "users")).not.toEqual(expect.arrayContaining([expect.stringContaining("Victim@X.com")]));
  });

  it("answers mail-unavailable when SMTP fails and leaves no user behind; a retry after recovery works", async () => {
    const email = uniqueEmail("smtp-down");
    h.sink.fail(true);
    const err = await rejectionOf(signUp(email));
    expect(err).toBeInstanceOf(AuthError);
    expect(observable(err)).toMatchObject({ code: "mail-unavailable", status: 503 });
    expect((err as Error).message).not.toMatch(/554|smtp|127\.0\.0\.1/i);
    expect(await h.db.user.count()).toBe(0);
    expect(await h.db.otpCode.count()).toBe(0);

    h.sink.fail(false);
    const again = await signUp(email);
    expect(again).toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeNull();
    const result = await verifyEmail({ email, code: latestCode(h.sink, email), registration: again.registration }, CTX);
    expect(result.status === "signed-in" && result.tokens.userId).toBe(user.id);
  });

  it("while SMTP is down, a taken email gets the same answer as a new one (no enumeration)", async () => {
    const taken = uniqueEmail("smtp-down-taken");
    await signUp(taken);
    h.sink.fail(true);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        (v) => ({ answer: "ok", keys: Object.keys(v as object) }),
        (e: unknown) => ({ answer: "error", ...observable(e) }),
      );
    const fresh = await outcome(signUp(uniqueEmail("smtp-down-new")));
    const existing = await outcome(signUp(taken, { password: OTHER_PASSWORD }));
    expect(existing).toEqual(fresh);
  });

  it("two simultaneous sign-ups with one email make one user and answer both the same", async () => {
    const email = uniqueEmail("race");
    const [a, b] = await Promise.all([signUp(email), signUp(email, { password: OTHER_PASSWORD })]);
    expect(a).toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    expect(b).toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    expect(await h.db.user.count()).toBe(1);
  });

  it("limits sign-ups per client IP and answers rate-limited with retryAfter", async () => {
    let limited: unknown;
    for (let i = 0; i < 40 && !limited; i++) {
      limited = await signUp(uniqueEmail("flood"), { ip: "198.51.100.23" }).then(
        () => undefined,
        (e: unknown) => e,
      );
    }
    expect(limited).toBeInstanceOf(AuthError);
    expect(limited).toMatchObject({ code: "rate-limited", status: 429 });
    expect((limited as AuthError).retryAfter).toBeGreaterThan(0);
    expect((limited as AuthError).retryAfter).toBeLessThanOrEqual(60);
    // Another address is not affected.
    await expect(signUp(uniqueEmail("other-ip"))).resolves.toBeDefined();
  });
});
