import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressObject, ParsedMail } from "mailparser";
import type * as EnvModule from "@/lib/env";
import type * as MailModule from "@/lib/mail";
import type * as MailboxModule from "@/lib/mail/mailbox";
import type * as TransportModule from "@/lib/mail/transport";
import type { TestDb } from "../helpers/db";
import { extractCode, extractLink, startSmtpSink, type SmtpSink } from "../helpers/smtp-sink";

// A private data directory, so this file's dev mailbox never mixes with the
// mails of other test files running at the same time. DATA_DIR is read when
// lib/env loads, hence the imports in beforeAll.
const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-mail-test-"));

let env: typeof EnvModule;
let mail: typeof MailModule;
let mailbox: typeof MailboxModule;
let transport: typeof TransportModule;

const APP_URL = "https://shop.example.test";
const original = { ...process.env };

/** Change settings and make the env cache and the mail transport forget the old ones. */
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  env.resetEnvForTests();
  transport.resetMailTransportForTests();
}

function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in original)) delete process.env[key];
  Object.assign(process.env, original);
  env.resetEnvForTests();
  transport.resetMailTransportForTests();
}

function recipients(m: ParsedMail): string[] {
  const to: AddressObject[] = m.to === undefined ? [] : Array.isArray(m.to) ? m.to : [m.to];
  return to.flatMap((a) => a.value.map((v) => v.address ?? ""));
}

function htmlOf(m: ParsedMail): string {
  if (typeof m.html !== "string") throw new Error(`Mail "${m.subject ?? ""}" has no HTML part`);
  return m.html;
}

function textOf(m: ParsedMail): string {
  if (!m.text) throw new Error(`Mail "${m.subject ?? ""}" has no text part`);
  return m.text;
}

let counter = 0;
/** A fresh recipient per test, so each test finds exactly its own mail in the sink. */
function uniqueAddress(): string {
  counter += 1;
  return `user${counter}-${process.pid}@example.test`;
}

beforeAll(async () => {
  process.env.GATEHOUSE_DATA_DIR = dataDir;
  env = await import("@/lib/env");
  mail = await import("@/lib/mail");
  mailbox = await import("@/lib/mail/mailbox");
  transport = await import("@/lib/mail/transport");
  // Guard for the isolation above: a shared .data/test/mailbox would make the
  // newest-first assertions depend on other test files.
  expect(mailbox.devMailboxDir()).toBe(path.join(dataDir, "mailbox"));
});

afterAll(() => {
  restoreEnv();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("mail over SMTP", () => {
  let sink: SmtpSink;
  // The sign-up notice spends its per-recipient budget (a rate-limit row) before sending.
  let db: TestDb;

  beforeAll(async () => {
    sink = await startSmtpSink();
    // Imported here, like the modules above: lib/db loads lib/env, which reads the data directory once.
    db = await (await import("../helpers/db")).openTestDb();
  });

  beforeEach(() => {
    setEnv({
      SMTP_URL: sink.url,
      APP_URL,
      APP_NAME: "Gatehouse",
      MAIL_FROM: "Gatehouse <no-reply@shop.example.test>",
    });
    sink.fail(false);
  });

  afterEach(restoreEnv);

  afterAll(async () => {
    await sink.close();
    await db.close();
  });

  async function received(to: string): Promise<ParsedMail> {
    const m = await sink.waitForMail((x) => recipients(x).includes(to));
    // Both parts, from the configured sender, to exactly the one recipient.
    expect(recipients(m)).toEqual([to]);
    expect(m.from?.value[0]?.address).toBe("no-reply@shop.example.test");
    expect(textOf(m).length).toBeGreaterThan(20);
    expect(htmlOf(m)).toContain("<html");
    return m;
  }

  it("sends the verification code in the subject, the text and the HTML", async () => {
    const to = uniqueAddress();
    await mail.sendVerificationCodeMail(to, { name: "Ana", code: "482913", expiresInMinutes: 10 });
    const m = await received(to);
    expect(m.subject).toBe("Your Gatehouse code is 482913");
    expect(extractCode(m)).toBe("482913");
    expect(htmlOf(m)).toContain("482913");
    // The address is not proven yet: the stored name may be a stranger's, so it is never printed.
    expect(textOf(m)).toMatch(/^Hello,$/m);
    expect(textOf(m)).not.toContain("Ana");
    expect(htmlOf(m)).not.toContain("Ana");
    expect(textOf(m)).toContain("10 minutes");
  });

  it("tells the owner about a sign-up attempt with links to sign-in and reset built from APP_URL", async () => {
    const to = uniqueAddress();
    await mail.sendSignUpAttemptMail(to, { name: "Ana" });
    const m = await received(to);
    expect(m.subject).toMatch(/tried to create a Gatehouse account/);
    expect(extractLink(m, "/sign-in")).toBe(`${APP_URL}/sign-in`);
    expect(extractLink(m, "/forgot-password")).toBe(`${APP_URL}/forgot-password`);
    expect(htmlOf(m)).toContain(`href="${APP_URL}/sign-in"`);
    expect(textOf(m)).not.toContain("Ana");
    // No code in this mail: it must not look like a verification mail.
    expect(() => extractCode(m)).toThrow();
  });

  it("sends the password reset link unchanged in both parts", async () => {
    const to = uniqueAddress();
    const resetUrl = `${APP_URL}/reset-password?token=AbC-123_xyz`;
    await mail.sendPasswordResetMail(to, { name: "Ana", resetUrl, expiresInMinutes: 30 });
    const m = await received(to);
    expect(m.subject).toBe("Reset your Gatehouse password");
    const link = extractLink(m, "/reset-password");
    expect(link).toBe(resetUrl);
    expect(link.startsWith(APP_URL)).toBe(true);
    expect(htmlOf(m)).toContain(`href="${resetUrl}"`);
    expect(textOf(m)).toContain("30 minutes");
  });

  it("refuses a reset link that does not start with APP_URL, before sending anything", async () => {
    const to = uniqueAddress();
    await expect(
      mail.sendPasswordResetMail(to, {
        name: "Ana",
        resetUrl: "https://evil.example/reset-password?token=abc",
        expiresInMinutes: 30,
      }),
    ).rejects.toThrow(/APP_URL/);
    // A harmless mail afterwards arrives; the refused one never did.
    await mail.sendPasswordResetDoneMail(to, { name: "Ana" });
    await received(to);
    expect(sink.mails.filter((x) => recipients(x).includes(to)).map((x) => x.subject)).toEqual([
      "Your Gatehouse password was reset",
    ]);
  });

  it("sends the password-changed notice with the time in UTC and a reset link", async () => {
    const to = uniqueAddress();
    await mail.sendPasswordChangedMail(to, { name: "Ana", when: new Date("2026-03-04T05:06:00Z") });
    const m = await received(to);
    expect(m.subject).toBe("Your Gatehouse password was changed");
    expect(textOf(m)).toContain("4 March 2026");
    expect(textOf(m)).toContain("05:06 UTC");
    expect(extractLink(m, "/forgot-password")).toBe(`${APP_URL}/forgot-password`);
  });

  it("sends the password-reset-done notice with a sign-in link", async () => {
    const to = uniqueAddress();
    await mail.sendPasswordResetDoneMail(to, { name: "Ana" });
    const m = await received(to);
    expect(m.subject).toBe("Your Gatehouse password was reset");
    expect(extractLink(m, "/sign-in")).toBe(`${APP_URL}/sign-in`);
  });

  it("sends the email-change code to the new address", async () => {
    const to = uniqueAddress();
    await mail.sendEmailChangeCodeMail(to, { name: "Ana", code: "000731", expiresInMinutes: 10 });
    const m = await received(to);
    expect(m.subject).toBe("Your Gatehouse email change code is 000731");
    expect(extractCode(m)).toBe("000731");
    expect(textOf(m)).not.toContain("Ana");
    expect(htmlOf(m)).toContain("000731");
  });

  it("tells the old address which address the account moved to", async () => {
    const to = uniqueAddress();
    await mail.sendEmailChangedNoticeMail(to, { name: "Ana", newEmail: "new-ana@example.test" });
    const m = await received(to);
    expect(m.subject).toBe("Your Gatehouse email address was changed");
    expect(textOf(m)).toContain("new-ana@example.test");
    expect(htmlOf(m)).toContain("new-ana@example.test");
  });

  it("takes the app name and links from the settings", async () => {
    setEnv({ APP_NAME: "Corner Shop", APP_URL: "https://corner.example.test/auth" });
    const to = uniqueAddress();
    await mail.sendSignUpAttemptMail(to, { name: "Ana" });
    const m = await received(to);
    expect(m.subject).toContain("Corner Shop");
    expect(extractLink(m, "/auth/sign-in")).toBe("https://corner.example.test/auth/sign-in");
  });

  it("HTML-escapes a hostile name and new address in the HTML part", async () => {
    const to = uniqueAddress();
    const name = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
    await mail.sendEmailChangedNoticeMail(to, { name, newEmail: `"><b>x</b>@example.test` });
    const m = await received(to);
    const html = htmlOf(m);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>x</b>");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;b&gt;x&lt;/b&gt;@example.test");
    // The text part is plain text: the name appears as typed.
    expect(textOf(m)).toContain(`Hello ${name},`);
  });

  it("keeps line breaks in a name out of the text part's structure", async () => {
    const to = uniqueAddress();
    await mail.sendPasswordResetDoneMail(to, { name: "Ana\r\nBcc: attacker@example.test" });
    const m = await received(to);
    expect(textOf(m)).toContain("Hello Ana Bcc: attacker@example.test,");
    expect(textOf(m)).not.toMatch(/^Bcc:/m);
  });

  it("refuses a recipient that is more than one address, sending nothing", async () => {
    const to = uniqueAddress();
    const err = await mail.sendSignUpAttemptMail(`${to}, attacker@example.test`, { name: "Ana" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mail.MailError);
    expect(err).toMatchObject({ code: "mail-send-failed" });
    expect(sink.mails.some((x) => recipients(x).includes("attacker@example.test"))).toBe(false);
  });

  it("throws MailError when the SMTP server rejects the message", async () => {
    sink.fail(true);
    const err = await mail
      .sendVerificationCodeMail(uniqueAddress(), { name: "Ana", code: "123456", expiresInMinutes: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mail.MailError);
    expect(err).toMatchObject({ code: "mail-send-failed", name: "MailError" });
    expect((err as Error).message).toContain("554");
  });

  it("throws MailError when nothing listens on the SMTP port, without the URL or its password in the message", async () => {
    const dead = await startSmtpSink();
    await dead.close();
    setEnv({ SMTP_URL: `smtp://mailer:hunter2-secret@127.0.0.1:${dead.port}` });
    const err = await mail.sendPasswordResetDoneMail(uniqueAddress(), { name: "Ana" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mail.MailError);
    expect(err).toMatchObject({ code: "mail-send-failed" });
    expect((err as Error).message).not.toContain("hunter2");
    expect((err as Error).message).not.toContain("smtp://");
  });

  it("still sends over SMTP in production", async () => {
    setEnv({ NODE_ENV: "production", BCRYPT_COST: "12", ALLOW_EMBEDDED_DB_IN_PRODUCTION: "true" });
    const to = uniqueAddress();
    await mail.sendVerificationCodeMail(to, { name: "Ana", code: "654321", expiresInMinutes: 10 });
    expect(extractCode(await received(to))).toBe("654321");
    expect(await mailbox.listDevMails()).toEqual([]);
  });

  it("rejects a code that is not 6 digits as a programming error", async () => {
    await expect(
      mail.sendVerificationCodeMail(uniqueAddress(), { name: "Ana", code: "12345", expiresInMinutes: 10 }),
    ).rejects.toThrow(/6 digits/);
  });
});

describe("dev mailbox (no SMTP_URL)", () => {
  beforeEach(async () => {
    setEnv({ SMTP_URL: undefined, NODE_ENV: "test", APP_URL: "http://localhost:3000" });
    await mailbox.clearDevMails();
  });

  afterEach(restoreEnv);

  it("stores each mail as a JSON file and lists them newest first", async () => {
    await mail.sendVerificationCodeMail("first@example.test", { name: "Ana", code: "111111", expiresInMinutes: 10 });
    await mail.sendPasswordResetMail("second@example.test", {
      name: "Bo",
      resetUrl: "http://localhost:3000/reset-password?token=t0k3n",
      expiresInMinutes: 30,
    });

    const mails = await mailbox.listDevMails();
    expect(mails.map((m) => m.to)).toEqual(["second@example.test", "first@example.test"]);
    const [newest, oldest] = mails;
    expect(newest).toMatchObject({ subject: "Reset your Gatehouse password" });
    expect(newest!.text).toContain("http://localhost:3000/reset-password?token=t0k3n");
    expect(newest!.html).toContain("<html");
    expect(oldest).toMatchObject({ subject: "Your Gatehouse code is 111111" });
    expect(oldest!.text).toContain("111111");
    expect(Date.parse(newest!.createdAt)).toBeGreaterThan(Date.parse(oldest!.createdAt));
    expect(existsSync(path.join(dataDir, "mailbox", `${newest!.id}.json`))).toBe(true);

    expect(await mailbox.getDevMail(oldest!.id)).toEqual(oldest);
  });

  it("does not let an id name a file outside the mailbox", async () => {
    await mail.sendPasswordResetDoneMail("a@example.test", { name: "Ana" });
    expect(await mailbox.getDevMail("../../../etc/passwd")).toBeNull();
    expect(await mailbox.getDevMail("0000000000000-zzzzzzzz")).toBeNull();
  });

  it("clears the mailbox", async () => {
    await mail.sendPasswordResetDoneMail("a@example.test", { name: "Ana" });
    await mail.sendPasswordResetDoneMail("b@example.test", { name: "Bo" });
    expect(await mailbox.clearDevMails()).toBe(2);
    expect(await mailbox.listDevMails()).toEqual([]);
  });

  it("prints a one-line notice with the mailbox link but neither the code nor the body", async () => {
    setEnv({ LOG_LEVEL: "info" });
    const info = jest.spyOn(console, "info").mockImplementation(() => {});
    try {
      await mail.sendVerificationCodeMail("ana@example.test", { name: "Ana", code: "987654", expiresInMinutes: 10 });
      expect(info).toHaveBeenCalledTimes(1);
      const line = String(info.mock.calls[0]?.[0]);
      const [stored] = await mailbox.listDevMails();
      expect(line).toBe(
        `[gatehouse] mail to ana@example.test: Your Gatehouse code is •••••• — open http://localhost:3000/dev/mailbox/${stored!.id}`,
      );
      expect(line).not.toContain("987654");
      expect(line).not.toContain("Hello");
    } finally {
      info.mockRestore();
    }
  });

  it("stays quiet when LOG_LEVEL is silent", async () => {
    setEnv({ LOG_LEVEL: "silent" });
    const info = jest.spyOn(console, "info").mockImplementation(() => {});
    try {
      await mail.sendPasswordResetDoneMail("ana@example.test", { name: "Ana" });
      expect(info).not.toHaveBeenCalled();
      expect(await mailbox.listDevMails()).toHaveLength(1);
    } finally {
      info.mockRestore();
    }
  });

  it("refuses to send in production without SMTP_URL, and stores nothing", async () => {
    setEnv({ NODE_ENV: "production", BCRYPT_COST: "12", ALLOW_EMBEDDED_DB_IN_PRODUCTION: "true" });
    const err = await mail
      .sendVerificationCodeMail("ana@example.test", { name: "Ana", code: "246810", expiresInMinutes: 10 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mail.MailError);
    expect(err).toMatchObject({ code: "mail-not-configured" });
    expect(await mailbox.listDevMails()).toEqual([]);
  });
});
