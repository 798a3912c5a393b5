/**
 * Issue 14, item 6: a lockout is not a free denial of service. Whoever trips
 * the sign-in pause or burns the wrong-code budget, the owner keeps a way in
 * the attacker cannot block (docs/security-checklist.md, "Lockout design").
 * Real flows, real database, real SMTP sink.
 */
import type { ParsedMail } from "mailparser";
import { resendVerificationCode, signIn, verifyEmail } from "@/lib/auth/accounts";
import { lockUserAccount } from "@/lib/auth/admin";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { LOCKOUT_THRESHOLD, MAIL_PER_RECIPIENT_PER_HOUR } from "@/lib/auth/constants";
import { AuthError } from "@/lib/auth/errors";
import { checkResetToken, resetPassword } from "@/lib/auth/recovery";
import { extractLink } from "../helpers/smtp-sink";
import {
  CTX,
  PASSWORD,
  createVerifiedUser,
  latestCode,
  mailsTo,
  observable,
  passOneMinute,
  rejectionOf,
  setupAuthHarness,
  signUp,
  uniqueEmail,
  wrongCode,
} from "../helpers/auth-harness";

const h = setupAuthHarness();
afterEach(async () => {
  // The lock notice goes out after the answer: let it finish before the next test empties the tables.
  await settleBackgroundTasks();
});

const ATTACKER = { ...CTX, ip: "203.0.113.66", userAgent: "attacker" };
const OWNER = { ...CTX, ip: "198.51.100.7", userAgent: "owner" };
const NEW_PASSWORD = "amber walrus recites 7 sonnets";

const lockNotices = (email: string) => mailsTo(h.sink, email).filter((m) => /paused/i.test(m.subject ?? ""));

function tokenOf(mail: ParsedMail): string {
  const token = new URL(extractLink(mail, "/reset-password")).searchParams.get("token");
  if (!token) throw new Error("no token in the lock notice");
  return token;
}

/** The attacker's run of wrong passwords; returns what each attempt answered. */
async function lockOut(email: string, attempts = LOCKOUT_THRESHOLD): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (let i = 0; i < attempts; i++) answers.push(observable(await rejectionOf(signIn({ email, password: `wrong guess ${i}` }, ATTACKER))));
  return answers;
}

async function signsIn(email: string, password: string): Promise<boolean> {
  try {
    return (await signIn({ email, password }, OWNER)).status === "signed-in";
  } catch (err) {
    if (err instanceof AuthError && err.code === "invalid-credentials") return false;
    throw err;
  }
}

describe("sign-in lock: attacker locks, owner gets back in", () => {
  it("10 wrong passwords → lock → the owner is mailed a notice → follows its reset link → new password → signs in", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("victim"));
    const answers = await lockOut(email);
    // The attempt that locks answers exactly like every other failure.
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(await signsIn(email, PASSWORD)).toBe(false); // paused, even for the right password

    await settleBackgroundTasks();
    const notices = lockNotices(email);
    expect(notices).toHaveLength(1);
    const notice = notices[0]!;
    expect(notice.text).toMatch(/paused for 15 minutes/);
    expect(notice.text).toMatch(/ends the pause/);

    const token = tokenOf(notice);
    expect(await checkResetToken(token)).toEqual({ valid: true, email });
    await expect(resetPassword({ token, password: NEW_PASSWORD }, OWNER)).resolves.toEqual({ email });
    expect(await signsIn(email, NEW_PASSWORD)).toBe(true);
    // The attacker's guesses do not work, and the link was single-use.
    expect(await signsIn(email, PASSWORD)).toBe(false);
    await expect(resetPassword({ token, password: "another fresh pass phrase 31" }, ATTACKER)).rejects.toMatchObject({ code: "invalid-token" });
  });

  it("an admin's lock is not lifted by the notice's link", async () => {
    const { email, tokens: adminTokens } = await createVerifiedUser(h.sink, uniqueEmail("admin"));
    await h.db.user.update({ where: { email }, data: { role: "ADMIN" } });
    const { email: victim, tokens } = await createVerifiedUser(h.sink, uniqueEmail("suspect"));

    await lockOut(victim);
    await settleBackgroundTasks();
    const token = tokenOf(lockNotices(victim)[0]!);
    await lockUserAccount({ userId: adminTokens.userId, sessionId: adminTokens.sessionId }, tokens.userId, "24h", CTX);

    // The reset itself goes through (the mailbox owner may set a password)…
    await expect(resetPassword({ token, password: NEW_PASSWORD }, OWNER)).resolves.toEqual({ email: victim });
    // …but the admin's lock holds.
    const row = await h.db.user.findUniqueOrThrow({ where: { id: tokens.userId } });
    expect(row.adminLocked).toBe(true);
    expect(row.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(await signsIn(victim, NEW_PASSWORD)).toBe(false);
  });

  it("an admin-locked account gets no lock notice, however many wrong passwords", async () => {
    const { email, tokens: adminTokens } = await createVerifiedUser(h.sink, uniqueEmail("admin2"));
    await h.db.user.update({ where: { email }, data: { role: "ADMIN" } });
    const { email: victim, tokens } = await createVerifiedUser(h.sink, uniqueEmail("held"));
    await lockUserAccount({ userId: adminTokens.userId, sessionId: adminTokens.sessionId }, tokens.userId, "indefinite", CTX);
    await lockOut(victim, LOCKOUT_THRESHOLD + 2);
    await settleBackgroundTasks();
    expect(lockNotices(victim)).toHaveLength(0);
  });

  it("lock notices are capped per recipient, and the last one mailed still holds the live link", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("relock"));
    for (let round = 0; round < MAIL_PER_RECIPIENT_PER_HOUR + 2; round++) {
      await lockOut(email);
      await settleBackgroundTasks();
      // The pause is over (as if 15 minutes passed): the attacker locks again.
      await h.db.user.update({ where: { email }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    }
    const notices = lockNotices(email);
    expect(notices).toHaveLength(MAIL_PER_RECIPIENT_PER_HOUR);
    const token = tokenOf(notices[notices.length - 1]!);
    await expect(resetPassword({ token, password: NEW_PASSWORD }, OWNER)).resolves.toEqual({ email });
    expect(await signsIn(email, NEW_PASSWORD)).toBe(true);
  });
});

describe("wrong-code budget: per account and client, with an account-wide ceiling", () => {
  it("an attacker's 10 wrong codes from IP A do not block the owner's right code from IP B", async () => {
    const { email, registration } = await signUp(uniqueEmail("pending"));
    const code = latestCode(h.sink, email);
    let last: unknown;
    for (let i = 1; i <= 12; i++) last = await rejectionOf(verifyEmail({ email, code: wrongCode(code, i) }, ATTACKER));
    // The attacker's address is blocked…
    expect(observable(last)).toMatchObject({ code: "rate-limited", status: 429 });
    // …the owner's is not. (The attacker's guesses killed the code; the owner asks for a fresh one.)
    await passOneMinute(h.db);
    await resendVerificationCode(email, OWNER);
    await settleBackgroundTasks(); // the code goes out after the answer
    await expect(verifyEmail({ email, code: latestCode(h.sink, email), registration }, OWNER)).resolves.toMatchObject({
      status: "signed-in",
      tokens: { accessToken: expect.any(String) },
    });
  });

  it("50 wrong codes an hour from any number of addresses block verification from everywhere", async () => {
    const { email } = await signUp(uniqueEmail("ceiling"));
    for (let i = 0; i < 50; i++) {
      const ip = `192.0.2.${Math.floor(i / 10) + 1}`; // five addresses, ten each
      const err = await rejectionOf(verifyEmail({ email, code: wrongCode(latestCode(h.sink, email)) }, { ...CTX, ip }));
      expect(observable(err)).toMatchObject({ code: expect.stringMatching(/^(invalid-code|code-expired)$/) });
    }
    await passOneMinute(h.db);
    await resendVerificationCode(email, OWNER);
    const blocked = await rejectionOf(verifyEmail({ email, code: latestCode(h.sink, email) }, OWNER));
    expect(observable(blocked)).toMatchObject({ code: "rate-limited", status: 429 });
    expect((blocked as AuthError).retryAfter).toBeGreaterThan(60);
  });

  it("an address with no account answers the same way, client by client (no enumeration)", async () => {
    const real = (await signUp(uniqueEmail("real"))).email;
    const ghost = uniqueEmail("ghost");
    const pattern = async (email: string) => {
      const out: unknown[] = [];
      for (let i = 0; i < 11; i++) out.push((await rejectionOf(verifyEmail({ email, code: "000001" }, ATTACKER)) as AuthError).code);
      out.push((await rejectionOf(verifyEmail({ email, code: "000001" }, OWNER)) as AuthError).code);
      return out;
    };
    const expected = [...Array(10).fill("invalid-code"), "rate-limited", "invalid-code"];
    const realPattern = await pattern(real);
    // A real code could be 000001 once in a million: then there is nothing to compare.
    if (latestCode(h.sink, real) === "000001") return;
    expect(realPattern.map((c) => (c === "code-expired" ? "invalid-code" : c))).toEqual(expected);
    expect(await pattern(ghost)).toEqual(expected);
  });
});
