/**
 * One function per email, each returning a subject, a plain-text part and an
 * HTML part. Pure: the app name and URL come in as `MailContext`, so these run
 * in unit tests without settings. Every interpolated value is HTML-escaped in
 * the HTML part and flattened to one line in the text part.
 */

export type MailContent = { subject: string; text: string; html: string };

/** What every template needs from the settings (getEnv().APP_NAME / APP_URL). */
export type MailContext = { appName: string; appUrl: string };

/** Escape a value for HTML text and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// A user-chosen value (a name) in the text part or the subject: no control
// characters or line breaks that could fake extra lines, no invisible or
// text-direction characters (U+202E makes "gnp.exe" read "exe.png"; names
// stored before the schema refused them may still hold some), bounded length.
function oneLine(value: string, max = 100): string {
  const flat = value
    .replace(/\p{Cf}+/gu, "")
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** An absolute link under the configured app URL (never from request headers). */
export function appLink(ctx: MailContext, pathname: string): string {
  return `${ctx.appUrl.replace(/\/+$/, "")}${pathname}`;
}

function greeting(name: string | null | undefined): string {
  const n = name ? oneLine(name) : "";
  return n ? `Hello ${n},` : "Hello,";
}

function minutes(n: number): string {
  return n === 1 ? "1 minute" : `${n} minutes`;
}

// Paragraphs are written once as plain text and rendered into both parts;
// `{code}` and `{link}` blocks are the only pieces with their own markup.
type Block = { p: string } | { code: string } | { link: string; label: string };

/**
 * `name` is the stored name, or null for mails to an address nobody has proven
 * yet (codes, sign-up notices): whoever signed up first chose that name, and a
 * stranger's words must not reach the mailbox owner.
 */
function render(ctx: MailContext, subject: string, name: string | null | undefined, blocks: Block[]): MailContent {
  const all: Block[] = [{ p: greeting(name) }, ...blocks, { p: `— ${oneLine(ctx.appName, 60)}` }];
  const text = all
    .map((b) => ("p" in b ? b.p : "code" in b ? `    ${oneLine(b.code, 20)}` : `${b.label}:\n${b.link}`))
    .join("\n\n");
  const body = all
    .map((b) => {
      if ("p" in b) return `<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`;
      if ("code" in b) {
        return `<p style="margin:0 0 16px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(b.code)}</p>`;
      }
      const href = escapeHtml(b.link);
      return `<p style="margin:0 0 16px"><a href="${href}" style="display:inline-block;padding:10px 18px;border-radius:6px;background:#1d4ed8;color:#ffffff;text-decoration:none">${escapeHtml(b.label)}</a></p><p style="margin:0 0 16px;font-size:12px;color:#52525b">Or paste this link into your browser: ${href}</p>`;
    })
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f4f5;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#18181b;line-height:1.5">
<div style="max-width:520px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px">
${body}
</div>
</body></html>`;
  return { subject, text, html };
}

/** The 6-digit code that confirms a new account's email address. */
export function verificationCodeMail(ctx: MailContext, data: { code: string; expiresInMinutes: number }): MailContent {
  const app = oneLine(ctx.appName, 60);
  // The code is in the subject too: visible in notifications and easy to copy.
  // No name: the address is not proven yet, so the stored name may be a stranger's.
  return render(ctx, `Your ${app} code is ${data.code}`, null, [
    { p: `Enter this code to confirm your email address for ${app}:` },
    { code: data.code },
    { p: `It expires in ${minutes(data.expiresInMinutes)} and works once.` },
    { p: "If you did not ask for it, you can ignore this email. Never share this code with anyone." },
  ]);
}

/**
 * Sent instead of a code when someone signs up with an address that already
 * has an account: the sign-up form answers the same either way, so the
 * account's existence is only revealed to the mailbox owner.
 */
export function signUpAttemptMail(ctx: MailContext): MailContent {
  const app = oneLine(ctx.appName, 60);
  // No name: the account may be a pending one whose name a stranger chose.
  return render(ctx, `Someone tried to create a ${app} account with your email`, null, [
    { p: `Someone just tried to create a new ${app} account with this email address, which already has an account.` },
    { p: "If that was you, sign in instead:" },
    { link: appLink(ctx, "/sign-in"), label: "Sign in" },
    { p: "Forgot your password? Reset it here:" },
    { link: appLink(ctx, "/forgot-password"), label: "Reset your password" },
    { p: "If it was not you, you can ignore this email: your account has not been changed." },
  ]);
}

/** The password reset link (the caller builds `resetUrl` from APP_URL). */
export function passwordResetMail(
  ctx: MailContext,
  data: { name?: string | null; resetUrl: string; expiresInMinutes: number },
): MailContent {
  const app = oneLine(ctx.appName, 60);
  return render(ctx, `Reset your ${app} password`, data.name, [
    { p: `We received a request to reset the password of your ${app} account. Choose a new password here:` },
    { link: data.resetUrl, label: "Choose a new password" },
    { p: `The link expires in ${minutes(data.expiresInMinutes)} and works once.` },
    { p: "If you did not ask for this, ignore this email: your password stays as it is." },
  ]);
}

/**
 * Sign-in was paused after too many wrong passwords. Anyone who knows the
 * address can cause that, so the notice carries the owner's way back in: a
 * one-time reset link (a completed reset ends the pause).
 */
export function accountLockedMail(
  ctx: MailContext,
  data: { name?: string | null; resetUrl: string; expiresInMinutes: number; pausedMinutes: number },
): MailContent {
  const app = oneLine(ctx.appName, 60);
  return render(ctx, `Sign-in to your ${app} account is paused`, data.name, [
    {
      p: `After too many wrong passwords, sign-in to your ${app} account is paused for ${minutes(data.pausedMinutes)}. Your password was not changed and nobody signed in.`,
    },
    { p: "To get back in now, choose a new password: it also ends the pause." },
    { link: data.resetUrl, label: "Choose a new password" },
    { p: `The link expires in ${minutes(data.expiresInMinutes)} and works once.` },
    { p: "If the wrong passwords were not yours, someone may be guessing: a new, unique password keeps them out." },
  ]);
}

// Dates in mails are UTC and spelled out: the server does not know the reader's zone.
function formatWhen(when: Date): string {
  const s = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" }).format(when);
  return `${s} UTC`;
}

/** Notice after a signed-in password change. */
export function passwordChangedMail(ctx: MailContext, data: { name?: string | null; when: Date }): MailContent {
  const app = oneLine(ctx.appName, 60);
  return render(ctx, `Your ${app} password was changed`, data.name, [
    { p: `The password of your ${app} account was changed on ${formatWhen(data.when)}. Your other devices were signed out.` },
    { p: "If you made this change, there is nothing else to do." },
    { p: "If you did not, reset your password right away:" },
    { link: appLink(ctx, "/forgot-password"), label: "Reset your password" },
  ]);
}

/** Notice after a completed password reset. */
export function passwordResetDoneMail(ctx: MailContext, data: { name?: string | null }): MailContent {
  const app = oneLine(ctx.appName, 60);
  return render(ctx, `Your ${app} password was reset`, data.name, [
    { p: `The password of your ${app} account was just reset, and every device was signed out. Sign in with the new password:` },
    { link: appLink(ctx, "/sign-in"), label: "Sign in" },
    { p: "If you did not reset it, request a new reset link at once to lock the other person out:" },
    { link: appLink(ctx, "/forgot-password"), label: "Reset your password" },
  ]);
}

/** The 6-digit code sent to a new address before it replaces the old one. */
export function emailChangeCodeMail(ctx: MailContext, data: { code: string; expiresInMinutes: number }): MailContent {
  const app = oneLine(ctx.appName, 60);
  // No name: the new address belongs to whoever owns it, who did not choose the account's name.
  return render(ctx, `Your ${app} email change code is ${data.code}`, null, [
    { p: `Enter this code to make this address the email of your ${app} account:` },
    { code: data.code },
    { p: `It expires in ${minutes(data.expiresInMinutes)} and works once.` },
    { p: "If you did not ask for this, ignore this email: nothing changes without the code." },
  ]);
}

/** Notice to the old address once the account's email has changed. */
export function emailChangedNoticeMail(
  ctx: MailContext,
  data: { name?: string | null; newEmail: string },
): MailContent {
  const app = oneLine(ctx.appName, 60);
  return render(ctx, `Your ${app} email address was changed`, data.name, [
    { p: `The email address of your ${app} account was changed to ${oneLine(data.newEmail, 254)}. Mail about the account now goes there, not here.` },
    { p: "If you made this change, there is nothing else to do." },
    {
      p: "If you did not, someone else may control your account: contact the site's support right away and mention this email.",
    },
  ]);
}
