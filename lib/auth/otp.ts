import "server-only";
import type { OtpPurpose } from "../db/generated/enums";
import { findLiveOtpCode, killOtpCode, consumeOtpCode, recordOtpAttempt, replaceOtpCode } from "../data/otp-codes";
import { OTP_MAX_ATTEMPTS_PER_CODE, OTP_RESEND_COOLDOWN_SECONDS, OTP_TTL_SECONDS } from "./constants";
import { hmacHex, randomSixDigitCode, safeEqualHex } from "./crypto";
import { mayMail, refundMail, type StrangerMailKind } from "./mail-budget";
import { consume, peek, refund, type LimitResult } from "./rate-limit";

/**
 * 6-digit email codes. Stored only as HMAC-SHA256 bound to user, purpose and
 * address; compared in constant time; 10 minutes; single use; a new code
 * replaces the old. 5 wrong tries kill a code; 10 wrong tries per account and
 * client IP per hour block verification from that client for the hour (50 per
 * account from everywhere block it for all), and a resend does not refill that budget.
 */

function codeHash(userId: string, purpose: OtpPurpose, email: string, code: string): string {
  return hmacHex("otp", `${purpose}:${userId}:${email}:${code}`);
}

export type IssueResult = { sent: true; code: string } | { sent: false; retryAfter: number };

const MAIL_KIND: Record<OtpPurpose, StrangerMailKind> = {
  VERIFY_EMAIL: "verification-code",
  CHANGE_EMAIL: "email-change-code",
};

/**
 * Make a new code if the account's send budget allows (1 per 60 s, 5 per hour)
 * and the recipient's mail budget too (lib/auth/mail-budget.ts). The caller
 * mails the code; when either budget is spent, no code is made and the live one
 * stays valid. `skipCooldown`: a new sign-up that replaced a pending account
 * needs its own code now; the hourly budgets still apply.
 */
export async function issueOtp(
  userId: string,
  purpose: OtpPurpose,
  email: string,
  opts: { skipCooldown?: boolean } = {},
): Promise<IssueResult> {
  const cooldown = await consume("otpSendCooldown", `${purpose}:${userId}`);
  if (!cooldown.allowed && !opts.skipCooldown) return { sent: false, retryAfter: cooldown.retryAfter };
  const hourly = await consume("otpSendsPerHour", `${purpose}:${userId}`);
  if (!hourly.allowed) return { sent: false, retryAfter: hourly.retryAfter };
  // Several accounts can send codes to one address (email changes): the address has a cap of its own.
  if (!(await mayMail(email, MAIL_KIND[purpose]))) return { sent: false, retryAfter: OTP_RESEND_COOLDOWN_SECONDS };
  const code = randomSixDigitCode();
  await replaceOtpCode({
    userId,
    purpose,
    email,
    codeHash: codeHash(userId, purpose, email, code),
    expiresAt: new Date(Date.now() + OTP_TTL_SECONDS * 1000),
  });
  return { sent: true, code };
}

/**
 * The code from issueOtp never reached the user (the mail failed): give back
 * the send budgets it spent, so asking again once mail works is not refused as
 * "too soon". The wrong-code budget is untouched: resending never resets that.
 */
export async function refundOtpSend(userId: string, purpose: OtpPurpose, email: string): Promise<void> {
  await refund("otpSendCooldown", `${purpose}:${userId}`);
  await refund("otpSendsPerHour", `${purpose}:${userId}`);
  await refundMail(email, MAIL_KIND[purpose]);
}

export type VerifyOtpResult =
  | { ok: true; email: string }
  | { ok: false; reason: "invalid" | "expired" | "blocked"; retryAfter?: number };

/**
 * The hourly wrong-code budget of one subject (an account, or an address with
 * no account behind it): 10 per client IP, 50 from everywhere. Counting per
 * client means an attacker's wrong codes from one address do not block the
 * owner's right code from another; the account-wide ceiling keeps the total
 * number of guesses bounded however many addresses the attacker has.
 */
type FailureBudget = { client: string; account: string };

function failureBudget(subject: string, purpose: OtpPurpose, ip: string): FailureBudget {
  return { client: `${purpose}:${subject}:${ip}`, account: `${purpose}:${subject}` };
}

/** Is either budget already spent? Spends nothing. */
async function peekFailures(b: FailureBudget): Promise<LimitResult> {
  const client = await peek("otpFailuresPerClient", b.client);
  if (!client.allowed) return client;
  return peek("otpFailuresPerAccount", b.account);
}

/** Spend one wrong code from both budgets; refused once either is gone. */
async function spendFailure(b: FailureBudget): Promise<LimitResult> {
  const client = await consume("otpFailuresPerClient", b.client);
  const account = await consume("otpFailuresPerAccount", b.account);
  if (!client.allowed) return client;
  return account;
}

/**
 * A code entered for an address with no account waiting for it: spend the
 * same budgets, under the address, that a real account's wrong code would, so
 * the answers (and when "too many" starts) do not tell the two apart.
 */
export async function spendDecoyOtpFailure(email: string, purpose: OtpPurpose, ctx: { ip: string }): Promise<LimitResult> {
  const budget = failureBudget(`address:${email}`, purpose, ctx.ip);
  const blocked = await peekFailures(budget);
  if (!blocked.allowed) return blocked;
  return spendFailure(budget);
}

/** Check a code. Exactly one concurrent caller can succeed with the same code. */
export async function verifyOtp(
  userId: string,
  purpose: OtpPurpose,
  code: string,
  ctx: { ip: string },
): Promise<VerifyOtpResult> {
  const budget = failureBudget(userId, purpose, ctx.ip);
  const blocked = await peekFailures(budget);
  if (!blocked.allowed) return { ok: false, reason: "blocked", retryAfter: blocked.retryAfter };

  const live = await findLiveOtpCode(userId, purpose);
  if (!live || live.attempts >= OTP_MAX_ATTEMPTS_PER_CODE) {
    await spendFailure(budget);
    return { ok: false, reason: "expired" };
  }
  if (safeEqualHex(codeHash(userId, purpose, live.email, code), live.codeHash)) {
    return (await consumeOtpCode(live.id, OTP_MAX_ATTEMPTS_PER_CODE))
      ? { ok: true, email: live.email }
      : { ok: false, reason: "expired" };
  }
  const attempts = await recordOtpAttempt(live.id);
  if (attempts >= OTP_MAX_ATTEMPTS_PER_CODE) await killOtpCode(live.id);
  const spent = await spendFailure(budget);
  if (!spent.allowed) return { ok: false, reason: "blocked", retryAfter: spent.retryAfter };
  return { ok: false, reason: "invalid" };
}
