import "server-only";
import { sendWithinMailCap } from "../auth/mail-budget";
import { getEnv } from "../env";
import {
  accountLockedMail,
  emailChangeCodeMail,
  emailChangedNoticeMail,
  passwordChangedMail,
  passwordResetDoneMail,
  passwordResetMail,
  signUpAttemptMail,
  verificationCodeMail,
  type MailContent,
  type MailContext,
} from "./templates";
import { sendMail } from "./transport";

/**
 * One sending function per email. Each resolves once the mail is handed to the
 * SMTP server (or stored in the dev mailbox) and rejects with MailError
 * otherwise. A bad argument (a code that is not 6 digits, a reset link outside
 * APP_URL) is a bug in the caller and throws a plain Error before anything is sent.
 *
 * Mails to an address nobody has proven yet (codes, sign-up notices) never
 * print the account's name: whoever signed up first chose it. Their `name`
 * field is still accepted so callers need not change, and is dropped here.
 */

export { MailError, type MailErrorCode } from "./transport";

function context(): MailContext {
  const env = getEnv();
  return { appName: env.APP_NAME, appUrl: env.APP_URL };
}

async function deliver(to: string, content: MailContent): Promise<void> {
  await sendMail({ to, ...content });
}

function assertCode(code: string): void {
  if (!/^\d{6}$/.test(code)) throw new Error("A mail code must be exactly 6 digits");
}

// Reset links must point at this app: a link built from a Host or
// X-Forwarded-Host header would hand the token to whoever forged the header.
function assertAppLink(ctx: MailContext, link: string): void {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new Error("The reset link is not an absolute URL");
  }
  if (url.origin !== new URL(ctx.appUrl).origin || !link.startsWith(ctx.appUrl.replace(/\/+$/, ""))) {
    throw new Error("The reset link must be built from APP_URL");
  }
}

/** What callers of the unproven-address mails may still pass; never printed (see above). */
type UnprovenGreeting = {
  /** @deprecated Ignored: mails to an unproven address greet without a name. */
  name?: string | null;
};

/** "Your Gatehouse code is 123456": confirms the address of a new account. */
export async function sendVerificationCodeMail(
  to: string,
  data: UnprovenGreeting & { code: string; expiresInMinutes: number },
): Promise<void> {
  assertCode(data.code);
  await deliver(to, verificationCodeMail(context(), { code: data.code, expiresInMinutes: data.expiresInMinutes }));
}

/**
 * Someone tried to sign up with an address that already has an account.
 * Anyone can trigger it, as often as they like, and nothing is made for it to
 * carry, so its per-recipient cap (lib/auth/mail-budget.ts) is spent here,
 * where no caller can forget it: past the cap it resolves without sending, and
 * the sign-up answers as always.
 */
export async function sendSignUpAttemptMail(to: string, _data: UnprovenGreeting = {}): Promise<void> {
  await sendWithinMailCap(to, "sign-up-notice", () => deliver(to, signUpAttemptMail(context())));
}

/** The password reset link; `resetUrl` must start with APP_URL. */
export async function sendPasswordResetMail(
  to: string,
  data: { name?: string | null; resetUrl: string; expiresInMinutes: number },
): Promise<void> {
  const ctx = context();
  assertAppLink(ctx, data.resetUrl);
  await deliver(to, passwordResetMail(ctx, data));
}

/** Notice after a signed-in password change. */
export async function sendPasswordChangedMail(to: string, data: { name?: string | null; when: Date }): Promise<void> {
  await deliver(to, passwordChangedMail(context(), data));
}

/** Notice after a completed password reset. */
export async function sendPasswordResetDoneMail(to: string, data: { name?: string | null }): Promise<void> {
  await deliver(to, passwordResetDoneMail(context(), data));
}

/** The code that confirms a new email address; `to` is the new address. */
export async function sendEmailChangeCodeMail(
  to: string,
  data: UnprovenGreeting & { code: string; expiresInMinutes: number },
): Promise<void> {
  assertCode(data.code);
  await deliver(to, emailChangeCodeMail(context(), { code: data.code, expiresInMinutes: data.expiresInMinutes }));
}

/** Sign-in is paused after wrong passwords; `resetUrl` (the way back in) must start with APP_URL. */
export async function sendAccountLockedMail(
  to: string,
  data: { name?: string | null; resetUrl: string; expiresInMinutes: number; pausedMinutes: number },
): Promise<void> {
  const ctx = context();
  assertAppLink(ctx, data.resetUrl);
  await deliver(to, accountLockedMail(ctx, data));
}

/** Notice to the old address after the email changed; `to` is the old address. */
export async function sendEmailChangedNoticeMail(
  to: string,
  data: { name?: string | null; newEmail: string },
): Promise<void> {
  await deliver(to, emailChangedNoticeMail(context(), data));
}
