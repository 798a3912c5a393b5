import {
  accountLockedMail,
  appLink,
  emailChangeCodeMail,
  emailChangedNoticeMail,
  escapeHtml,
  passwordChangedMail,
  passwordResetDoneMail,
  passwordResetMail,
  signUpAttemptMail,
  verificationCodeMail,
  type MailContent,
  type MailContext,
} from "@/lib/mail/templates";

const ctx: MailContext = { appName: "Gatehouse", appUrl: "https://shop.example.test/" };
const hostile = `<script>alert('x')</script>&"`;

// Mails to proven addresses greet by name; mails to an address nobody has proven yet never take one.
const named: Array<[string, (name: string) => MailContent]> = [
  [
    "password reset",
    (name) => passwordResetMail(ctx, { name, resetUrl: "https://shop.example.test/reset-password?token=a&b=c", expiresInMinutes: 30 }),
  ],
  [
    "account locked",
    (name) =>
      accountLockedMail(ctx, {
        name,
        resetUrl: "https://shop.example.test/reset-password?token=a&b=c",
        expiresInMinutes: 30,
        pausedMinutes: 15,
      }),
  ],
  ["password changed", (name) => passwordChangedMail(ctx, { name, when: new Date("2026-01-02T03:04:05Z") })],
  ["password reset done", (name) => passwordResetDoneMail(ctx, { name })],
  ["email changed notice", (name) => emailChangedNoticeMail(ctx, { name, newEmail: "new@example.test" })],
];
const unproven: Array<[string, () => MailContent]> = [
  ["verification code", () => verificationCodeMail(ctx, { code: "123456", expiresInMinutes: 10 })],
  ["sign-up attempt", () => signUpAttemptMail(ctx)],
  ["email change code", () => emailChangeCodeMail(ctx, { code: "654321", expiresInMinutes: 10 })],
];
const all: Array<[string, (name: string) => MailContent]> = [...named, ...unproven.map(([l, make]): [string, (name: string) => MailContent] => [l, () => make()])];
const EVIL_NAME = "Support: verify at https://evil.example/login\u202Egnp.exe";

describe("mail templates", () => {
  it.each(all)("%s has a subject, a text part and an HTML part", (_label, make) => {
    const m = make("Ana");
    expect(m.subject.length).toBeGreaterThan(5);
    expect(m.subject).toContain("Gatehouse");
    expect(m.text).not.toMatch(/<[a-z]/i);
    expect(m.html).toMatch(/^<!doctype html>/);
  });

  it.each(named)("%s greets the (proven) address by name in both parts", (_label, make) => {
    const m = make("Ana");
    expect(m.text).toContain("Hello Ana,");
    expect(m.html).toContain("Hello Ana,");
  });

  it.each(unproven)("%s goes to an unproven address and greets without any name", (_label, make) => {
    const m = make();
    expect(m.text).toMatch(/^Hello,$/m);
    expect(m.html).toContain(">Hello,<");
  });

  it.each(named)("%s drops bidi and zero-width characters from a name stored before the schema refused them", (_label, make) => {
    const m = make(EVIL_NAME);
    for (const part of [m.text, m.html, m.subject]) {
      expect(part).not.toMatch(/\p{Cf}/u);
    }
    expect(m.text).toContain("Hello Support: verify at https://evil.example/logingnp.exe,");
  });

  it.each(named)("%s escapes the name in the HTML part", (_label, make) => {
    const m = make(hostile);
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    // The subject never carries the user's name: nothing user-typed reaches a header.
    expect(m.subject).not.toContain("script");
  });

  it.each(named)("%s flattens line breaks in the name", (_label, make) => {
    const m = make("Ana\nP.S. click http://evil.example");
    expect(m.text).toContain("Hello Ana P.S. click http://evil.example,");
  });

  it("greets without a name", () => {
    expect(passwordResetDoneMail(ctx, { name: null }).text).toMatch(/^Hello,$/m);
    expect(passwordResetDoneMail(ctx, { name: "   " }).text).toMatch(/^Hello,$/m);
  });

  it("puts the code in the subject, on a line of its own in the text, and large in the HTML", () => {
    const m = verificationCodeMail(ctx, { code: "123456", expiresInMinutes: 1 });
    expect(m.subject).toBe("Your Gatehouse code is 123456");
    expect(m.text).toMatch(/^ {4}123456$/m);
    expect(m.html).toMatch(/font-size:28px[^>]*>123456</);
    expect(m.text).toContain("expires in 1 minute ");
  });

  it("builds links from the configured app URL without doubling slashes", () => {
    expect(appLink(ctx, "/sign-in")).toBe("https://shop.example.test/sign-in");
    const m = signUpAttemptMail(ctx);
    expect(m.text).toContain("https://shop.example.test/sign-in\n");
    expect(m.text).toContain("https://shop.example.test/forgot-password\n");
    expect(m.html).toContain('href="https://shop.example.test/forgot-password"');
  });

  it("escapes the reset link inside the href attribute", () => {
    const m = passwordResetMail(ctx, {
      name: "Ana",
      resetUrl: "https://shop.example.test/reset-password?token=a&b=c",
      expiresInMinutes: 30,
    });
    expect(m.html).toContain('href="https://shop.example.test/reset-password?token=a&amp;b=c"');
    expect(m.text).toContain("https://shop.example.test/reset-password?token=a&b=c");
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  });
});
