import "server-only";
import { recordEvent, type EventContext } from "../data/audit";
import {
  EmailTakenError,
  createUser,
  deleteUser,
  findUserByEmail,
  lockUser,
  markEmailVerified,
  claimLoginAttempt,
  clearFailedLogins,
  recordSuccessfulLogin,
} from "../data/users";
import { getEnv } from "../env";
import { MailError, sendSignUpAttemptMail, sendVerificationCodeMail } from "../mail";
import type { SignInInput, SignUpInput, VerifyEmailInput } from "../validation/auth";
import { LOCKOUT_SECONDS, LOCKOUT_THRESHOLD, OTP_RESEND_COOLDOWN_SECONDS, OTP_TTL_SECONDS } from "./constants";
import { AuthError, INVALID_CREDENTIALS_MESSAGE } from "./errors";
import { notifyAccountLocked } from "./lockout";
import { issueOtp, refundOtpSend, spendDecoyOtpFailure, verifyOtp } from "./otp";
import { dummyPasswordCheck, hashPassword, verifyPassword } from "./password";
import { passwordWeakness } from "./password-strength";
import { consume, refund } from "./rate-limit";
import { createSession, type TokenPair } from "./session";

/**
 * The account flows, shared by server actions (browser) and route handlers
 * (API clients): one implementation of each rule. Failures throw AuthError
 * with a code; callers map it to a form state or a JSON error.
 */

type Ctx = EventContext & { ip: string };

async function limitIp(rule: "ipSignIn" | "ipSignUp" | "ipOtp" | "ipToken", ctx: Ctx): Promise<void> {
  const r = await consume(rule, ctx.ip);
  if (!r.allowed) {
    await recordEvent("rate_limit_exceeded", ctx, { detail: { rule } });
    throw new AuthError("rate-limited", `Too many attempts. Try again in ${r.retryAfter} seconds.`, r.retryAfter);
  }
}

export class WeakPasswordError extends AuthError {
  constructor(message: string) {
    super("validation-failed", message);
  }
}

const SIGN_UP_MAIL_FAILED = "We couldn't send the confirmation email. Please try again in a moment.";

/**
 * Sign up. A taken email gets the same answer as a new one; its owner is told
 * by mail instead of receiving a code. A mail failure undoes the new account
 * so a retry is not blocked by a half-made one.
 */
export async function registerAccount(input: SignUpInput, ctx: Ctx): Promise<{ email: string }> {
  await limitIp("ipSignUp", ctx);
  const weakness = passwordWeakness(input.password, [input.email, input.name]);
  if (weakness) throw new WeakPasswordError(weakness);

  // Hash in both branches so timing does not reveal a taken address.
  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(input.email);
  if (existing) {
    await recordEvent("user_signup_existing_email", ctx, { userId: existing.id, email: existing.email });
    try {
      await sendSignUpAttemptMail(existing.email, { name: existing.name });
    } catch (err) {
      // Same answer as a new address whose code mail failed.
      if (err instanceof MailError) throw new AuthError("mail-unavailable", SIGN_UP_MAIL_FAILED);
      throw err;
    }
    return { email: input.email };
  }
  let user;
  try {
    user = await createUser({ email: input.email, name: input.name, passwordHash });
  } catch (err) {
    if (err instanceof EmailTakenError) return { email: input.email }; // lost a race: same answer
    throw err;
  }
  try {
    const issued = await issueOtp(user.id, "VERIFY_EMAIL", user.email);
    if (issued.sent) {
      await sendVerificationCodeMail(user.email, {
        name: user.name,
        code: issued.code,
        expiresInMinutes: OTP_TTL_SECONDS / 60,
      });
    }
  } catch (err) {
    await deleteUser(user.id);
    if (err instanceof MailError) {
      throw new AuthError("mail-unavailable", SIGN_UP_MAIL_FAILED);
    }
    throw err;
  }
  await recordEvent("user_created", ctx, { userId: user.id, email: user.email });
  return { email: user.email };
}

const INVALID_CODE = "That code is not valid. Check the latest email or ask for a new code.";

/** Confirm the address with the emailed code, then sign in. */
export async function verifyEmail(input: VerifyEmailInput, ctx: Ctx): Promise<TokenPair> {
  await limitIp("ipOtp", ctx);
  const user = await findUserByEmail(input.email);
  if (!user || user.emailVerifiedAt) {
    // Don't leak whether the user exists or is already verified: spend the same
    // hourly wrong-code budget (per address) a real account would.
    const budget = await spendDecoyOtpFailure(input.email, "VERIFY_EMAIL", ctx);
    if (!budget.allowed) {
      throw new AuthError("rate-limited", `Too many wrong codes. Try again in ${Math.ceil(budget.retryAfter / 60)} minutes.`, budget.retryAfter);
    }
    throw new AuthError("invalid-code", INVALID_CODE);
  }
  const result = await verifyOtp(user.id, "VERIFY_EMAIL", input.code, ctx);
  if (!result.ok) {
    await recordEvent(result.reason === "blocked" ? "authn_otp_fail_max" : "authn_otp_fail", ctx, {
      userId: user.id,
      email: user.email,
    });
    if (result.reason === "blocked") {
      throw new AuthError(
        "rate-limited",
        `Too many wrong codes. Try again in ${Math.ceil((result.retryAfter ?? 3600) / 60)} minutes.`,
        result.retryAfter,
      );
    }
    // Expired, used and wrong codes get one answer: "expired" exists only for real accounts.
    throw new AuthError("invalid-code", INVALID_CODE);
  }
  await markEmailVerified(user.id);
  await recordEvent("authn_email_verified", ctx, { userId: user.id, email: user.email });
  const tokens = await createSession(user, ctx);
  await recordSuccessfulLogin(user.id);
  await recordEvent("authn_login_success", ctx, { userId: user.id, email: user.email, detail: { method: "email-code" } });
  return tokens;
}

/** Send a fresh code. Same answer whether or not the account exists. */
export async function resendVerificationCode(email: string, ctx: Ctx): Promise<{ retryAfter: number }> {
  await limitIp("ipOtp", ctx);
  const perAddress = await consume("otpResendByEmail", email);
  if (!perAddress.allowed) {
    throw new AuthError("rate-limited", `Please wait ${perAddress.retryAfter} seconds before asking for another code.`, perAddress.retryAfter);
  }
  const user = await findUserByEmail(email);
  if (!user || user.emailVerifiedAt) return { retryAfter: OTP_RESEND_COOLDOWN_SECONDS };
  const issued = await issueOtp(user.id, "VERIFY_EMAIL", user.email);
  // Per-account limits: answer as for anyone else, send nothing.
  if (!issued.sent) return { retryAfter: OTP_RESEND_COOLDOWN_SECONDS };
  try {
    await sendVerificationCodeMail(user.email, { name: user.name, code: issued.code, expiresInMinutes: OTP_TTL_SECONDS / 60 });
  } catch (err) {
    if (err instanceof MailError) {
      // Nothing was sent: asking again once mail works must not be refused as "too soon".
      await refundOtpSend(user.id, "VERIFY_EMAIL");
      await refund("otpResendByEmail", email);
      throw new AuthError("mail-unavailable", "We couldn't send the email. Please try again shortly.");
    }
    throw err;
  }
  await recordEvent("authn_otp_sent", ctx, { userId: user.id, email: user.email });
  return { retryAfter: OTP_RESEND_COOLDOWN_SECONDS };
}

export type SignInResult = { status: "signed-in"; tokens: TokenPair } | { status: "verify-email"; email: string };

/**
 * Password sign-in. Unknown email, wrong password and locked account all get
 * the same AuthError("invalid-credentials") after the same bcrypt work.
 */
export async function signIn(
  input: SignInInput,
  ctx: Ctx,
  opts: { rule?: "ipSignIn" | "ipToken" } = {},
): Promise<SignInResult> {
  await limitIp(opts.rule ?? "ipSignIn", ctx);
  const fail = () => new AuthError("invalid-credentials", INVALID_CREDENTIALS_MESSAGE);
  const user = await findUserByEmail(input.email);
  if (!user) {
    await dummyPasswordCheck(input.password);
    await recordEvent("authn_login_fail", ctx, { email: input.email, detail: { reason: "unknown-email" } });
    throw fail();
  }
  // Claim the attempt before checking the password, so a burst of parallel
  // guesses cannot all be checked against a stale "not locked" read.
  const attempt = await claimLoginAttempt(user.id);
  const passwordOk = await verifyPassword(input.password, user.passwordHash);
  if (attempt === null || attempt > LOCKOUT_THRESHOLD) {
    await recordEvent("authn_login_fail_max", ctx, { userId: user.id, email: user.email, detail: { reason: "locked" } });
    throw fail();
  }
  if (!passwordOk) {
    const failures = attempt;
    await recordEvent("authn_login_fail", ctx, { userId: user.id, email: user.email, detail: { reason: "wrong-password" } });
    if (failures >= LOCKOUT_THRESHOLD) {
      await lockUser(user.id, new Date(Date.now() + LOCKOUT_SECONDS * 1000));
      await recordEvent("authn_login_lock", ctx, { userId: user.id, email: user.email });
      notifyAccountLocked(user);
    }
    throw fail();
  }
  if (!user.emailVerifiedAt) {
    // Only now, after the right password, do we say the address needs confirming.
    await clearFailedLogins(user.id); // a right password ends the run of failures
    const issued = await issueOtp(user.id, "VERIFY_EMAIL", user.email);
    if (issued.sent) {
      await sendVerificationCodeMail(user.email, { name: user.name, code: issued.code, expiresInMinutes: OTP_TTL_SECONDS / 60 }).catch(
        () => {},
      );
    }
    await recordEvent("authn_login_unverified", ctx, { userId: user.id, email: user.email });
    return { status: "verify-email", email: user.email };
  }
  await recordSuccessfulLogin(user.id);
  const tokens = await createSession(user, ctx);
  await recordEvent("authn_login_success", ctx, { userId: user.id, email: user.email, detail: { method: "password" } });
  return { status: "signed-in", tokens };
}

/** Used by the token endpoint setting check. */
export function passwordGrantEnabled(): boolean {
  return getEnv().PASSWORD_GRANT_ENABLED;
}
