/**
 * Issue 14, item 5: mail that strangers trigger is capped per recipient and
 * cannot carry their words. Through the real flows (and the form action and
 * route handlers for the name), the real database and the SMTP sink.
 */
import type { ParsedMail } from "mailparser";
import { NextRequest } from "next/server";
import { signUpAction } from "@/app/(auth)/sign-up/actions";
import { PATCH as PATCH_ME } from "@/app/api/me/route";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { registerAccount, resendVerificationCode, signIn } from "@/lib/auth/accounts";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { MAIL_PER_RECIPIENT_PER_HOUR, OTP_MAX_SENDS_PER_HOUR } from "@/lib/auth/constants";
import { changeName } from "@/lib/auth/profile";
import { RESET_REQUESTED_MESSAGE, requestPasswordReset, resetPassword } from "@/lib/auth/recovery";
import { hashPassword } from "@/lib/auth/password";
import { initialActionState } from "@/lib/validation/action-state";
import { nameSchema, signUpSchema } from "@/lib/validation/auth";
import { extractLink } from "../helpers/smtp-sink";
import {
  CTX,
  OTHER_PASSWORD,
  PASSWORD,
  createVerifiedUser,
  mailsTo,
  passOneMinute,
  setupAuthHarness,
  signUp,
  uniqueEmail,
} from "../helpers/auth-harness";

const h = setupAuthHarness();
afterEach(async () => {
  // Reset mails go out after the answer: let them finish before the next test empties the tables.
  await settleBackgroundTasks();
});

/** The exact name from the issue: a link and a right-to-left override that makes "gnp.exe" read "exe.png". */
const EVIL_NAME = "Support: verify at https://evil.example/login\u202Egnp.exe";

const ipOf = (i: number) => `198.51.100.${(i % 250) + 1}`;
const notices = (email: string) => mailsTo(h.sink, email).filter((m) => /tried to create/.test(m.subject ?? ""));
const resetMails = (email: string) => mailsTo(h.sink, email).filter((m) => /Reset your .* password/.test(m.subject ?? ""));

function mailText(m: ParsedMail): string {
  return `${m.subject ?? ""}\n${m.text ?? ""}\n${typeof m.html === "string" ? m.html : ""}`;
}

describe("per-recipient mail cap", () => {
  it("25 sign-ups for an existing address send at most the cap of notices, each answered as usual", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("taken"));
    for (let i = 0; i < 25; i++) {
      // Each from its own address, so no per-IP limit is what stops them.
      await expect(signUp(email, { password: OTHER_PASSWORD, ip: ipOf(i) })).resolves.toEqual({ email, registration: expect.stringMatching(/^[\w-]{43}$/) });
    }
    expect(notices(email)).toHaveLength(MAIL_PER_RECIPIENT_PER_HOUR);
    expect(MAIL_PER_RECIPIENT_PER_HOUR).toBeLessThanOrEqual(3);
  });

  it("a flood of reset requests to one address sends at most the cap, and the last link mailed still works", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("reset-flood"));
    for (let i = 0; i < 25; i++) {
      await expect(requestPasswordReset(email, { ...CTX, ip: ipOf(i) })).resolves.toEqual({ message: RESET_REQUESTED_MESSAGE });
    }
    await settleBackgroundTasks();
    const mails = resetMails(email);
    expect(mails).toHaveLength(MAIL_PER_RECIPIENT_PER_HOUR);
    // Capped requests made no token: the newest link in the inbox is the live one.
    const token = new URL(extractLink(mails[mails.length - 1]!, "/reset-password")).searchParams.get("token")!;
    await expect(resetPassword({ token, password: "amber walrus recites 7 sonnets" }, CTX)).resolves.toEqual({ email });
  });

  it("the cap is per kind: a flood of sign-up notices leaves the owner's reset links alone", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("kinds"));
    for (let i = 0; i < 10; i++) await signUp(email, { password: OTHER_PASSWORD, ip: ipOf(i) });
    await requestPasswordReset(email, CTX);
    await settleBackgroundTasks();
    expect(resetMails(email)).toHaveLength(1);
  });

  it("email-change codes to one address from many accounts stop at the code cap", async () => {
    const { requestEmailChange } = await import("@/lib/auth/profile");
    const target = uniqueEmail("target");
    for (let i = 0; i < OTP_MAX_SENDS_PER_HOUR + 3; i++) {
      const { tokens } = await createVerifiedUser(h.sink, uniqueEmail(`changer${i}`));
      await requestEmailChange(
        { userId: tokens.userId, sessionId: tokens.sessionId },
        { newEmail: target, currentPassword: PASSWORD },
        { ...CTX, ip: ipOf(i) },
      ).catch(() => undefined);
    }
    await settleBackgroundTasks();
    expect(mailsTo(h.sink, target)).toHaveLength(OTP_MAX_SENDS_PER_HOUR);
  });
});

describe("names cannot carry a stranger's words", () => {
  it("the shared schema refuses the issue's name, bidi and zero-width characters and anything link-like", () => {
    const refused = [
      EVIL_NAME,
      "Ana\u202Egnp.exe",
      "Ana\u2066x\u2069",
      "Ana\u200Bx",
      "Ana\u200Dx",
      "Ana\uFEFFx",
      "Ana\u2060x",
      "Ana\u00ADx",
      "Ana\u0085x",
      "Ana\u2028x",
      "visit https://evil.example",
      "ftp://x",
      "www.evil",
      "evil.example",
      "ｅｖｉｌ．ｅｘａｍｐｌｅ",
      "evil。example",
      "me@evil.example",
      "Ana @ home",
    ];
    for (const name of refused) expect([name, nameSchema.safeParse(name).success]).toEqual([name, false]);
    const accepted = ["Ana María", "Zoë O'Neil-Smith", "J.R.R. Tolkien", "A. Smith", "李小龍", "محمد", "Ana (Support)", "Version 2.0"];
    for (const name of accepted) expect([name, nameSchema.safeParse(name).success]).toEqual([name, true]);

    const r = nameSchema.safeParse(EVIL_NAME);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual([
      "A name cannot contain invisible or text-direction characters",
      expect.stringMatching(/^A name cannot contain a web or email address/),
    ]);
  });

  it("the sign-up form action answers a field error, creating and mailing nothing", async () => {
    const email = uniqueEmail("evil-form");
    const fd = new FormData();
    fd.set("email", email);
    fd.set("name", EVIL_NAME);
    fd.set("password", PASSWORD);
    const state = await signUpAction(initialActionState, fd);
    expect(state.status).toBe("error");
    expect(state.fieldErrors?.name).toEqual(expect.arrayContaining([expect.stringMatching(/web or email address/)]));
    expect(await h.db.user.count({ where: { email } })).toBe(0);
    expect(mailsTo(h.sink, email)).toHaveLength(0);
  });

  it("the API refuses it on register (400 with the field) and on PATCH /api/me", async () => {
    const email = uniqueEmail("evil-api");
    const reg = await REGISTER(
      new NextRequest("http://localhost:3000/api/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, name: EVIL_NAME, password: PASSWORD }),
      }),
    );
    expect(reg.status).toBe(400);
    const body = (await reg.json()) as { error: string; fields?: Record<string, string[]> };
    expect(body.error).toBe("validation-failed");
    expect(body.fields?.name?.length).toBeGreaterThan(0);
    expect(await h.db.user.count({ where: { email } })).toBe(0);

    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("evil-patch"));
    const patch = await PATCH_ME(
      new NextRequest("http://localhost:3000/api/me", {
        method: "PATCH",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens.accessToken}` },
        body: JSON.stringify({ name: EVIL_NAME }),
      }),
    );
    expect(patch.status).toBe(400);
    await expect(changeName({ userId: tokens.userId, sessionId: tokens.sessionId }, { name: EVIL_NAME }, CTX)).rejects.toMatchObject({
      code: "validation-failed",
    });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: tokens.userId } })).name).toBe("Ana Tester");
  });

  it("a name stored before the rule (or by a bug) never reaches a mail to the unproven address", async () => {
    // A pending account whose name a stranger chose, stored past the schema.
    const email = uniqueEmail("evil-stored");
    await h.db.user.create({ data: { email, name: EVIL_NAME, passwordHash: await hashPassword(PASSWORD) } });

    // Code mails: the right password on the pending account, a resend; a sign-up notice; a reset link.
    await expect(signIn({ email, password: PASSWORD }, CTX)).resolves.toMatchObject({ status: "verify-email" });
    await passOneMinute(h.db);
    await resendVerificationCode(email, CTX);
    await registerAccount(signUpSchema.parse({ email, name: "Real Owner", password: OTHER_PASSWORD }), CTX);
    await requestPasswordReset(email, CTX);
    await settleBackgroundTasks();

    const mails = mailsTo(h.sink, email);
    expect(mails.length).toBeGreaterThanOrEqual(3);
    for (const m of mails) {
      const all = mailText(m);
      expect(all).not.toContain("evil.example");
      expect(all).not.toContain("Support");
      expect(all).not.toMatch(/\p{Cf}/u);
      expect(m.text).toMatch(/^Hello,$/m);
    }
  });
});
