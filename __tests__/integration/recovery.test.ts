import { createHash } from "node:crypto";
import { createServer, type AddressInfo, type Socket } from "node:net";
import type { ParsedMail } from "mailparser";
import { PHASE_PRODUCTION_SERVER } from "next/constants";
import { getPathMatch } from "next/dist/shared/lib/router/utils/path-match";
import nextConfig from "@/next.config";
import { signIn } from "@/lib/auth/accounts";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { MAIL_PER_RECIPIENT_PER_HOUR, RESET_TOKEN_TTL_SECONDS } from "@/lib/auth/constants";
import { AuthError } from "@/lib/auth/errors";
import {
  RESET_LINK_INVALID_MESSAGE,
  RESET_REQUESTED_MESSAGE,
  checkResetToken,
  requestPasswordReset,
  resetPassword,
} from "@/lib/auth/recovery";
import { validateAccessToken } from "@/lib/auth/session";
import { extractLink } from "../helpers/smtp-sink";
import {
  CTX,
  OTHER_PASSWORD,
  PASSWORD,
  allDbText,
  createVerifiedUser,
  mailsTo,
  observable,
  rejectionOf,
  signUp,
  uniqueEmail,
  setupAuthHarness, sessionFor } from "../helpers/auth-harness";

const h = setupAuthHarness();

afterEach(async () => {
  // Reset mails go out after the answer: let them finish before the next test empties the tables.
  await settleBackgroundTasks();
});

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const NEW_PASSWORD = "amber walrus recites 7 sonnets";

const resetMails = (address: string) => mailsTo(h.sink, address).filter((m) => /Reset your .* password/.test(m.subject ?? ""));

/** Ask for a link and return the token from the newest reset mail to `email`. */
async function requestToken(
  email: string,
  ctx = CTX,
  pathPrefix = "/reset-password",
): Promise<{ token: string; link: string; mail: ParsedMail }> {
  const before = resetMails(email).length;
  await requestPasswordReset(email, ctx);
  await settleBackgroundTasks();
  const mails = resetMails(email);
  expect(mails).toHaveLength(before + 1);
  const mail = mails[mails.length - 1]!;
  const link = extractLink(mail, pathPrefix);
  const token = new URL(link).searchParams.get("token");
  if (!token) throw new Error("no token in the reset link");
  return { token, link, mail };
}

async function userRow(email: string) {
  return h.db.user.findUniqueOrThrow({ where: { email } });
}

async function expectInvalidLink(p: Promise<unknown>) {
  const err = await rejectionOf(p);
  expect(err).toBeInstanceOf(AuthError);
  expect(observable(err)).toMatchObject({ code: "invalid-token", message: RESET_LINK_INVALID_MESSAGE, status: 401 });
}

async function canSignIn(email: string, password: string): Promise<boolean> {
  try {
    const r = await signIn({ email, password }, { ...CTX, ip: "198.51.100.200" });
    return r.status === "signed-in";
  } catch (err) {
    if (err instanceof AuthError && err.code === "invalid-credentials") return false;
    throw err;
  }
}

describe("requesting a reset link", () => {
  it("mails a link built from APP_URL with a 32-byte base64url token", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("reset"));
    const result = await requestPasswordReset(email, CTX);
    expect(result).toEqual({ message: RESET_REQUESTED_MESSAGE });
    await settleBackgroundTasks();

    const mail = await h.sink.waitForMail((m) => resetMails(email).includes(m));
    const link = extractLink(mail, "/reset-password");
    expect(link).toMatch(/^http:\/\/localhost:3000\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(link).searchParams.get("token")!;
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
  });

  it("takes the link's origin and path from APP_URL, whatever the request looked like", async () => {
    h.setEnv({ APP_URL: "https://auth.shop.example/gatehouse" });
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("appurl"));
    // The flow has no access to Host / X-Forwarded-Host at all: the context carries only ip, agent, request id.
    const { link } = await requestToken(email, { ...CTX, requestId: "evil.example" }, "/gatehouse/reset-password");
    expect(link.startsWith("https://auth.shop.example/gatehouse/reset-password?token=")).toBe(true);
    expect(new URL(link).host).toBe("auth.shop.example");
  });

  it("stores only the SHA-256 of the token, valid for 30 minutes", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("hash"));
    const { token } = await requestToken(email);
    const rows = await h.db.resetToken.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).toBe(sha256(token));
    const ttl = (rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime()) / 1000;
    expect(ttl).toBeGreaterThanOrEqual(RESET_TOKEN_TTL_SECONDS - 2);
    expect(ttl).toBeLessThanOrEqual(RESET_TOKEN_TTL_SECONDS + 2);
    expect(RESET_TOKEN_TTL_SECONDS).toBe(1800);
    expect(await allDbText(h.db)).not.toContain(token);
  });

  it("answers an unknown address exactly like a known one, and mails nothing", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("known"));
    const nobody = uniqueEmail("nobody");
    const mailsBefore = h.sink.mails.length;

    const known = await requestPasswordReset(email, CTX);
    const unknown = await requestPasswordReset(nobody, CTX);
    await settleBackgroundTasks();

    expect(unknown).toEqual(known);
    expect(JSON.stringify(unknown)).toBe(JSON.stringify(known));
    expect(mailsTo(h.sink, nobody)).toHaveLength(0);
    expect(h.sink.mails.length).toBe(mailsBefore + 1); // only the known address got mail
    expect(await h.db.resetToken.count()).toBe(1);
  });

  it("answers before any mail goes out: a stalled mail server slows neither answer", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("stall"));
    // A mail server that accepts connections and never says a word.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => {
      sockets.add(socket);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    h.setEnv({ SMTP_URL: `smtp://127.0.0.1:${(blackHole.address() as AddressInfo).port}` });
    const logged = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      const timed = async (address: string) => {
        const started = performance.now();
        const value = await requestPasswordReset(address, CTX);
        return { value, ms: performance.now() - started };
      };
      const known = await timed(email);
      const unknown = await timed(uniqueEmail("ghost"));
      expect(known.value).toEqual(unknown.value);
      // Waiting for this server would take nodemailer's 30 s+ timeouts.
      expect(known.ms).toBeLessThan(2_000);
      expect(unknown.ms).toBeLessThan(2_000);
    } finally {
      const closed = new Promise<void>((resolve) => blackHole.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await settleBackgroundTasks();
      for (const socket of sockets) socket.destroy();
      await closed;
      // The lost mail is logged by name only: no address, no SMTP reply.
      expect(logged).toHaveBeenCalledWith('[gatehouse] background task "password-reset-mail" failed', "MailError");
      expect(JSON.stringify(logged.mock.calls)).not.toContain(email);
      logged.mockRestore();
    }
  });

  it("accepts the address in any case and with spaces, like every other form", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("case"));
    await requestPasswordReset(`  ${email.toUpperCase()} `, CTX);
    await settleBackgroundTasks();
    expect(resetMails(email)).toHaveLength(1);
  });

  it("a new request supersedes the older link", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("supersede"));
    const first = await requestToken(email);
    const second = await requestToken(email);
    expect(second.token).not.toBe(first.token);

    expect(await checkResetToken(first.token)).toEqual({ valid: false });
    expect(await checkResetToken(second.token)).toEqual({ valid: true, email });
    await expectInvalidLink(resetPassword({ token: first.token, password: NEW_PASSWORD }, CTX));
    await expect(resetPassword({ token: second.token, password: NEW_PASSWORD }, CTX)).resolves.toEqual({ email });
  });

  it("is limited per client IP", async () => {
    const ip = "192.0.2.77";
    const email = uniqueEmail("flood");
    for (let i = 0; i < 30; i++) await requestPasswordReset(email, { ...CTX, ip });
    const err = await rejectionOf(requestPasswordReset(email, { ...CTX, ip }));
    expect(observable(err)).toMatchObject({ code: "rate-limited", status: 429 });
    expect((err as AuthError).retryAfter).toBeGreaterThan(0);
    // Another client is unaffected.
    await expect(requestPasswordReset(email, { ...CTX, ip: "192.0.2.78" })).resolves.toEqual({
      message: RESET_REQUESTED_MESSAGE,
    });
  });

  it("mails one address at most 3 links an hour, with the same answer after that", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("bomb"));
    for (let i = 0; i < 7; i++) {
      await expect(requestPasswordReset(email, { ...CTX, ip: `192.0.2.${i + 1}` })).resolves.toEqual({
        message: RESET_REQUESTED_MESSAGE,
      });
    }
    await settleBackgroundTasks();
    expect(resetMails(email)).toHaveLength(MAIL_PER_RECIPIENT_PER_HOUR);
  });
});

describe("opening the link", () => {
  it("reads the token without spending it, however often it is opened", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("prefetch"));
    const { token } = await requestToken(email);
    for (let i = 0; i < 3; i++) expect(await checkResetToken(token)).toEqual({ valid: true, email });
    const row = await h.db.resetToken.findUniqueOrThrow({ where: { tokenHash: sha256(token) } });
    expect(row.usedAt).toBeNull();
    await expect(resetPassword({ token, password: NEW_PASSWORD }, CTX)).resolves.toEqual({ email });
  });

  it.each([
    ["empty", ""],
    ["short", "abc"],
    ["one character too long", "A".repeat(44)],
    ["padding", `${"A".repeat(42)}=`],
    ["outside base64url", `${"A".repeat(42)}+`],
    ["unknown but well-formed", "B".repeat(43)],
  ])("calls a %s token invalid", async (_label, token) => {
    expect(await checkResetToken(token)).toEqual({ valid: false });
    await expectInvalidLink(resetPassword({ token, password: NEW_PASSWORD }, CTX));
  });

  it("treats null and undefined as invalid", async () => {
    expect(await checkResetToken(null)).toEqual({ valid: false });
    expect(await checkResetToken(undefined)).toEqual({ valid: false });
  });
});

describe("resetting the password", () => {
  it("sets the new password, revokes every session, records the event, mails a notice and signs nobody in", async () => {
    const { email, tokens } = await createVerifiedUser(h.sink, uniqueEmail("done"));
    const user = await userRow(email);
    const second = await sessionFor(user, CTX);
    expect(await validateAccessToken(tokens.accessToken)).not.toBeNull();
    const { token } = await requestToken(email);

    const result = await resetPassword({ token, password: NEW_PASSWORD }, CTX);

    expect(result).toEqual({ email }); // no tokens, no session: the person signs in themselves
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await validateAccessToken(second.accessToken)).toBeNull();
    expect(await h.db.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    expect(await canSignIn(email, PASSWORD)).toBe(false);
    expect(await canSignIn(email, NEW_PASSWORD)).toBe(true);

    const events = await h.db.authEvent.findMany({ where: { userId: user.id, type: "authn_password_reset" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toEqual({ revokedSessions: 2 });

    const notice = await h.sink.waitForMail((m) => /password was reset/.test(m.subject ?? "") && mailsTo(h.sink, email).includes(m));
    expect(notice.text).toContain("every device was signed out");
    expect(await allDbText(h.db)).not.toContain(NEW_PASSWORD);
  });

  it("spends the token: a second submit gets the dead-link answer", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("twice"));
    const { token } = await requestToken(email);
    await resetPassword({ token, password: NEW_PASSWORD }, CTX);
    expect(await checkResetToken(token)).toEqual({ valid: false });
    await expectInvalidLink(resetPassword({ token, password: OTHER_PASSWORD }, CTX));
    expect(await canSignIn(email, NEW_PASSWORD)).toBe(true);
  });

  it("20 concurrent submits of one token: exactly one wins, and its password is the one stored", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("race"));
    const { token } = await requestToken(email);
    const passwords = Array.from({ length: 20 }, (_, i) => `${NEW_PASSWORD} number ${i}`);

    const results = await Promise.allSettled(passwords.map((password) => resetPassword({ token, password }, CTX)));

    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") {
        expect(observable(r.reason)).toMatchObject({ code: "invalid-token", message: RESET_LINK_INVALID_MESSAGE });
      }
    }
    expect(await canSignIn(email, passwords[won[0]!]!)).toBe(true);
    const user = await userRow(email);
    expect(await h.db.authEvent.count({ where: { userId: user.id, type: "authn_password_reset" } })).toBe(1);
    await h.sink.waitForMail((m) => /password was reset/.test(m.subject ?? ""));
    expect(mailsTo(h.sink, email).filter((m) => /password was reset/.test(m.subject ?? ""))).toHaveLength(1);
  });

  it("refuses an expired token and leaves the password alone", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("expired"));
    const { token } = await requestToken(email);
    await h.db.$executeRawUnsafe(
      `UPDATE "reset_tokens" SET "expires_at" = now() - interval '1 second' WHERE "token_hash" = $1`,
      sha256(token),
    );
    expect(await checkResetToken(token)).toEqual({ valid: false });
    await expectInvalidLink(resetPassword({ token, password: NEW_PASSWORD }, CTX));
    expect(await canSignIn(email, PASSWORD)).toBe(true);
  });

  it("still accepts a token a moment before it expires", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("edge"));
    const { token } = await requestToken(email);
    await h.db.$executeRawUnsafe(
      `UPDATE "reset_tokens" SET "expires_at" = now() + interval '20 seconds' WHERE "token_hash" = $1`,
      sha256(token),
    );
    await expect(resetPassword({ token, password: NEW_PASSWORD }, CTX)).resolves.toEqual({ email });
  });

  it("works while sign-in is locked, and clears the lock", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("locked"));
    await h.db.user.update({
      where: { email },
      data: { lockedUntil: new Date(Date.now() + 15 * 60_000), failedLoginCount: 7 },
    });
    expect(await canSignIn(email, PASSWORD)).toBe(false); // locked: even the right password fails

    const { token } = await requestToken(email);
    await resetPassword({ token, password: NEW_PASSWORD }, CTX);

    const user = await userRow(email);
    expect(user.lockedUntil).toBeNull();
    expect(user.failedLoginCount).toBe(0);
    expect(await canSignIn(email, NEW_PASSWORD)).toBe(true);
  });

  it("leaves a lock an admin set in place: a reset ends only brute-force locks", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("admin-locked"));
    const until = new Date(Date.now() + 24 * 3600_000);
    await h.db.user.update({ where: { email }, data: { lockedUntil: until, adminLocked: true } });

    const { token } = await requestToken(email);
    await resetPassword({ token, password: NEW_PASSWORD }, CTX);

    const user = await userRow(email);
    expect(user.lockedUntil?.getTime()).toBe(until.getTime());
    expect(await canSignIn(email, NEW_PASSWORD)).toBe(false);
  });

  it("marks an unconfirmed address verified: the mailbox was just proven", async () => {
    const { email } = await signUp(uniqueEmail("unverified"));
    expect((await userRow(email)).emailVerifiedAt).toBeNull();
    const { token } = await requestToken(email);
    await resetPassword({ token, password: NEW_PASSWORD }, CTX);
    expect((await userRow(email)).emailVerifiedAt).toBeInstanceOf(Date);
    expect(await canSignIn(email, NEW_PASSWORD)).toBe(true);
  });

  it("refuses a weak or too short password with the reason, without spending the token", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("weak"));
    const { token } = await requestToken(email);

    const weak = await rejectionOf(resetPassword({ token, password: "passwordpassword1" }, CTX));
    expect(observable(weak)).toMatchObject({ constructor: "WeakPasswordError", code: "validation-failed" });
    expect((weak as Error).message).toMatch(/too easy to guess/);
    const short = await rejectionOf(resetPassword({ token, password: "short" }, CTX));
    expect(observable(short)).toMatchObject({ code: "validation-failed", message: "Use at least 15 characters" });
    const long = await rejectionOf(resetPassword({ token, password: "é".repeat(40) }, CTX));
    expect(observable(long)).toMatchObject({ code: "validation-failed" });

    expect(await checkResetToken(token)).toEqual({ valid: true, email });
    await expect(resetPassword({ token, password: NEW_PASSWORD }, CTX)).resolves.toEqual({ email });
  });

  it("is limited per client IP", async () => {
    const ip = "192.0.2.99";
    for (let i = 0; i < 30; i++) await expectInvalidLink(resetPassword({ token: "x", password: NEW_PASSWORD }, { ...CTX, ip }));
    const err = await rejectionOf(resetPassword({ token: "x", password: NEW_PASSWORD }, { ...CTX, ip }));
    expect(observable(err)).toMatchObject({ code: "rate-limited", status: 429 });
  });

  it("records failed submits without the token", async () => {
    const token = "C".repeat(43);
    await expectInvalidLink(resetPassword({ token, password: NEW_PASSWORD }, CTX));
    expect(await h.db.authEvent.count({ where: { type: "authn_password_reset_fail" } })).toBe(1);
    expect(await allDbText(h.db)).not.toContain(token);
  });
});

describe("reset pages", () => {
  it("send Referrer-Policy: same-origin (the last matching header rule wins, as in Next)", async () => {
    const config = nextConfig(PHASE_PRODUCTION_SERVER);
    const rules = (await config.headers?.()) ?? [];
    const effective = (pathname: string) => {
      const out = new Map<string, string>();
      for (const rule of rules) {
        if (getPathMatch(rule.source)(pathname) === false) continue;
        for (const { key, value } of rule.headers) out.set(key.toLowerCase(), value);
      }
      return out;
    };
    // same-origin, not no-referrer: under no-referrer the browser posts the form with `Origin: null` (refused as CSRF).
    expect(effective("/reset-password").get("referrer-policy")).toBe("same-origin");
    // And only there: other pages keep the site-wide policy.
    expect(effective("/sign-in").get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });
});
