import "server-only";
import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { getDb, type Db } from "../db/client";
import { rateLimitKeyForIp } from "./client-ip";
import {
  IP_LIMIT,
  MAIL_PER_RECIPIENT_PER_HOUR,
  OTP_MAX_FAILURES_PER_ACCOUNT_PER_HOUR,
  OTP_MAX_FAILURES_PER_HOUR,
  OTP_MAX_SENDS_PER_HOUR,
} from "./constants";

/**
 * Rate limits kept in the database (rate-limiter-flexible's Prisma store), so
 * they hold across every instance of the app. One limiter per rule.
 */

type Rule = { points: number; durationSeconds: number; blockSeconds?: number };

export const RULES = {
  // Per client IP, per credential endpoint. Every rule named ip* is keyed by
  // rateLimitKeyForIp (an IPv6 client by its /64), whoever calls it.
  ipSignIn: IP_LIMIT,
  ipSignUp: IP_LIMIT,
  ipOtp: IP_LIMIT,
  ipReset: IP_LIMIT,
  ipToken: IP_LIMIT,
  // Per account (SECURITY.md "Email codes"); also wrong current passwords (profile).
  otpFailuresPerHour: { points: 10, durationSeconds: 3600 },
  // Wrong codes per (account, client IP), and per account from everywhere (lib/auth/otp.ts).
  otpFailuresPerClient: { points: OTP_MAX_FAILURES_PER_HOUR, durationSeconds: 3600 },
  otpFailuresPerAccount: { points: OTP_MAX_FAILURES_PER_ACCOUNT_PER_HOUR, durationSeconds: 3600 },
  otpSendCooldown: { points: 1, durationSeconds: 60 },
  otpSendsPerHour: { points: 5, durationSeconds: 3600 },
  // Per address, registered or not, so the resend answer tells nothing about accounts.
  otpResendByEmail: { points: 1, durationSeconds: 60 },
  // Per recipient address and kind of mail, whoever triggers it (lib/auth/mail-budget.ts).
  mailPerRecipient: { points: MAIL_PER_RECIPIENT_PER_HOUR, durationSeconds: 3600 },
  // Codes: as many as one account may be sent (every resend an honest person may ask for arrives).
  codeMailPerRecipient: { points: OTP_MAX_SENDS_PER_HOUR, durationSeconds: 3600 },
} satisfies Record<string, Rule>;
export type RuleName = keyof typeof RULES;

const limiters = new WeakMap<Db, Map<RuleName, RateLimiterPrisma>>();

function limiterFor(db: Db, rule: RuleName): RateLimiterPrisma {
  let byRule = limiters.get(db);
  if (!byRule) limiters.set(db, (byRule = new Map()));
  let limiter = byRule.get(rule);
  if (!limiter) {
    const r: Rule = RULES[rule];
    limiter = new RateLimiterPrisma({
      storeClient: db,
      tableName: "rateLimit",
      keyPrefix: rule,
      points: r.points,
      duration: r.durationSeconds,
      blockDuration: r.blockSeconds ?? 0,
      clearExpiredByTimeout: false,
    });
    byRule.set(rule, limiter);
  }
  return limiter;
}

/**
 * The stored key. The per-IP rules turn the address into its limit key here,
 * in the one place every caller passes through, so no copy of an IP-limit
 * helper can forget the /64 rule for IPv6.
 */
function storedKey(rule: RuleName, key: string): string {
  return rule.startsWith("ip") ? rateLimitKeyForIp(key) : key;
}

export type LimitResult = { allowed: true } | { allowed: false; retryAfter: number };

/** Spend points; when the budget is gone, say how long to wait. Store errors propagate (503 upstream). */
export async function consume(rule: RuleName, key: string, points = 1): Promise<LimitResult> {
  try {
    await limiterFor(await getDb(), rule).consume(storedKey(rule, key), points);
    return { allowed: true };
  } catch (err) {
    if (err instanceof RateLimiterRes) return { allowed: false, retryAfter: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
    throw err;
  }
}

/** Is the budget already spent? Does not spend anything. */
export async function peek(rule: RuleName, key: string): Promise<LimitResult> {
  const res = await limiterFor(await getDb(), rule).get(storedKey(rule, key));
  if (res && res.consumedPoints >= RULES[rule].points) {
    return { allowed: false, retryAfter: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }
  return { allowed: true };
}

/** Give back points spent on something that then failed on our side (a mail that could not be sent). */
export async function refund(rule: RuleName, key: string, points = 1): Promise<void> {
  await limiterFor(await getDb(), rule).reward(storedKey(rule, key), points);
}

export async function resetLimit(rule: RuleName, key: string): Promise<void> {
  await limiterFor(await getDb(), rule).delete(storedKey(rule, key));
}
