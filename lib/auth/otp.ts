import "server-only";
import type { OtpPurpose } from "../db/generated/enums";
import { findLiveOtpCode, killOtpCode, consumeOtpCode, recordOtpAttempt, replaceOtpCode } from "../data/otp-codes";
import { OTP_MAX_ATTEMPTS_PER_CODE, OTP_TTL_SECONDS } from "./constants";
import { hmacHex, randomSixDigitCode, safeEqualHex } from "./crypto";
import { consume, peek, refund } from "./rate-limit";

/**
 * 6-digit email codes. Stored only as HMAC-SHA256 bound to user, purpose and
 * address; compared in constant time; 10 minutes; single use; a new code
 * replaces the old. 5 wrong tries kill a code; 10 wrong tries per account per
 * hour block verification for the hour, and a resend does not refill that budget.
 */

function codeHash(userId: string, purpose: OtpPurpose, email: string, code: string): string {
  return hmacHex("otp", `${purpose}:${userId}:${email}:${code}`);
}

export type IssueResult = { sent: true; code: string } | { sent: false; retryAfter: number };

/**
 * Make a new code if the account's send budget allows (1 per 60 s, 5 per hour).
 * `skipCooldown`: a new sign-up that replaced a pending account needs its own
 * code now (the one mailed a moment ago belongs to the replaced registration's
 * story); the hourly budget still applies.
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
export async function refundOtpSend(userId: string, purpose: OtpPurpose): Promise<void> {
  await refund("otpSendCooldown", `${purpose}:${userId}`);
  await refund("otpSendsPerHour", `${purpose}:${userId}`);
}

export type VerifyOtpResult =
  | { ok: true; email: string }
  | { ok: false; reason: "invalid" | "expired" | "blocked"; retryAfter?: number };

/** Check a code. Exactly one concurrent caller can succeed with the same code. */
export async function verifyOtp(userId: string, purpose: OtpPurpose, code: string): Promise<VerifyOtpResult> {
  const budgetKey = `${purpose}:${userId}`;
  const blocked = await peek("otpFailuresPerHour", budgetKey);
  if (!blocked.allowed) return { ok: false, reason: "blocked", retryAfter: blocked.retryAfter };

  const live = await findLiveOtpCode(userId, purpose);
  if (!live || live.attempts >= OTP_MAX_ATTEMPTS_PER_CODE) {
    await consume("otpFailuresPerHour", budgetKey);
    return { ok: false, reason: "expired" };
  }
  if (safeEqualHex(codeHash(userId, purpose, live.email, code), live.codeHash)) {
    return (await consumeOtpCode(live.id, OTP_MAX_ATTEMPTS_PER_CODE))
      ? { ok: true, email: live.email }
      : { ok: false, reason: "expired" };
  }
  const attempts = await recordOtpAttempt(live.id);
  if (attempts >= OTP_MAX_ATTEMPTS_PER_CODE) await killOtpCode(live.id);
  const budget = await consume("otpFailuresPerHour", budgetKey);
  if (!budget.allowed) return { ok: false, reason: "blocked", retryAfter: budget.retryAfter };
  return { ok: false, reason: "invalid" };
}
