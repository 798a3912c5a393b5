import "server-only";
import { UAParser } from "ua-parser-js";
import { recordEvent, type EventContext } from "../data/audit";
import { findLiveOtpCode } from "../data/otp-codes";
import { invalidateUserResetTokens } from "../data/reset-tokens";
import { listActiveSessions, revokeUserSessionRow } from "../data/sessions";
import {
  changePasswordRow,
  changeUserEmail,
  EmailTakenError,
  findUserByEmail,
  findUserById,
  listUserEventsPage,
  updateUserName,
  type UserRecord,
} from "../data/users";
import { getEnv } from "../env";
import { sendEmailChangeCodeMail, sendEmailChangedNoticeMail, sendPasswordChangedMail } from "../mail";
import { ACTIVITY_MAX_PAGE, ACTIVITY_PAGE_SIZE } from "../validation/account";
import { emailSchema, nameSchema, newPasswordSchema } from "../validation/auth";
import { isUuid } from "../validation/ids";
import { WeakPasswordError } from "./accounts";
import { runInBackground } from "./background";
import { OTP_MAX_ATTEMPTS_PER_CODE, OTP_TTL_SECONDS } from "./constants";
import { AuthError } from "./errors";
import { issueOtp, verifyOtp } from "./otp";
import { hashPassword, verifyPassword } from "./password";
import { passwordWeakness } from "./password-strength";
import { consume, peek } from "./rate-limit";
import { invalidateUserSessions } from "./session";

/**
 * Account management for a signed-in person: name, password, email, sessions
 * and activity. The caller proves who is acting (a live session from
 * requireUser() or a validated bearer token) and passes it as `actor`; the
 * user is never taken from the request body. Failures throw AuthError.
 */

/** Who is acting: the user and the session (device) they act from. */
export type Actor = { userId: string; sessionId: string };
type Ctx = EventContext & { ip: string };

export const CURRENT_PASSWORD_WRONG_MESSAGE = "Your current password is not correct.";
const SESSION_ENDED_MESSAGE = "Your session has ended. Please sign in again.";
const INVALID_CODE_MESSAGE = "That code is not valid. Check the latest email or ask for a new code.";

// Wrong current passwords per account per hour: a stolen session cannot be
// turned into a password guessing oracle. Same budget shape as wrong email codes.
const PASSWORD_CHECK_RULE = "otpFailuresPerHour" as const;
const passwordCheckKey = (userId: string) => `CURRENT_PASSWORD:${userId}`;

async function limitIp(rule: "ipSignIn" | "ipOtp", ctx: Ctx): Promise<void> {
  const r = await consume(rule, ctx.ip);
  if (!r.allowed) {
    await recordEvent("rate_limit_exceeded", ctx, { detail: { rule } });
    throw new AuthError("rate-limited", `Too many attempts. Try again in ${r.retryAfter} seconds.`, r.retryAfter);
  }
}

async function loadUser(actor: Actor): Promise<UserRecord> {
  const user = await findUserById(actor.userId);
  if (!user) throw new AuthError("unauthenticated", SESSION_ENDED_MESSAGE);
  return user;
}

/** Check the current password before a sensitive change, within the per-account budget. */
async function confirmCurrentPassword(user: UserRecord, password: string, ctx: Ctx): Promise<void> {
  const blocked = await peek(PASSWORD_CHECK_RULE, passwordCheckKey(user.id));
  if (!blocked.allowed) {
    throw new AuthError(
      "rate-limited",
      `Too many wrong passwords. Try again in ${Math.ceil(blocked.retryAfter / 60)} minutes.`,
      blocked.retryAfter,
    );
  }
  if (await verifyPassword(password, user.passwordHash)) return;
  await consume(PASSWORD_CHECK_RULE, passwordCheckKey(user.id));
  await recordEvent("authn_password_change_fail", ctx, {
    userId: user.id,
    email: user.email,
    detail: { reason: "wrong-current-password" },
  });
  throw new AuthError("invalid-credentials", CURRENT_PASSWORD_WRONG_MESSAGE);
}

/** Length, size and guessability of a new password, with the reason to show. */
function assertAcceptablePassword(password: string, user: Pick<UserRecord, "email" | "name">): void {
  const rule = newPasswordSchema(getEnv().PASSWORD_MIN_LENGTH).safeParse(password);
  if (!rule.success) throw new WeakPasswordError(rule.error.issues[0]?.message ?? "Choose another password.");
  const weakness = passwordWeakness(password, [user.email, user.name]);
  if (weakness) throw new WeakPasswordError(weakness);
}

function logMailFailure(what: string) {
  return (err: unknown) => {
    // The change is made; a lost notice must not turn it into an error.
    console.error(`[gatehouse] ${what} mail failed`, err instanceof Error ? err.name : typeof err);
  };
}

/** Change the display name. */
export async function changeName(actor: Actor, input: { name: string }, ctx: Ctx): Promise<{ name: string }> {
  const parsed = nameSchema.safeParse(input.name);
  if (!parsed.success) throw new AuthError("validation-failed", parsed.error.issues[0]?.message ?? "Enter your name");
  const user = await loadUser(actor);
  if (parsed.data !== user.name) {
    await updateUserName(user.id, parsed.data);
    await recordEvent("user_updated", ctx, { userId: user.id, email: user.email, detail: { field: "name" } });
  }
  return { name: parsed.data };
}

/**
 * Change the password: the current one is required, every OTHER session ends
 * (this device stays signed in), outstanding reset links die, a notice is mailed.
 */
export async function changePassword(
  actor: Actor,
  input: { currentPassword: string; password: string },
  ctx: Ctx,
): Promise<{ revokedSessions: number }> {
  await limitIp("ipSignIn", ctx);
  const user = await loadUser(actor);
  await confirmCurrentPassword(user, input.currentPassword, ctx);
  assertAcceptablePassword(input.password, user);

  // Conditional on the credentials that were just checked: a reset or lock
  // that committed while bcrypt ran wins, and this changes nothing.
  const revokedSessions = await changePasswordRow({
    id: user.id,
    passwordHash: await hashPassword(input.password),
    expectedVersion: user.securityVersion,
    keepSessionId: actor.sessionId,
    reason: "password-changed",
  });
  if (revokedSessions === null) throw new AuthError("unauthenticated", SESSION_ENDED_MESSAGE);
  await invalidateUserResetTokens(user.id);
  await recordEvent("authn_password_change", ctx, { userId: user.id, email: user.email, detail: { revokedSessions } });
  await sendPasswordChangedMail(user.email, { name: user.name, when: new Date() }).catch(logMailFailure("password changed"));
  return { revokedSessions };
}

export type EmailChangeRequest = { pendingEmail: string; expiresInMinutes: number };

/**
 * Start an email change: after the current password, a 6-digit code bound to
 * the new address goes to that address. The account keeps its old address
 * until the code is entered.
 */
export async function requestEmailChange(
  actor: Actor,
  input: { newEmail: string; currentPassword: string },
  ctx: Ctx,
): Promise<EmailChangeRequest> {
  await limitIp("ipSignIn", ctx);
  const parsed = emailSchema.safeParse(input.newEmail);
  if (!parsed.success) throw new AuthError("validation-failed", "Enter a valid email address, like name@example.com");
  const newEmail = parsed.data;
  const user = await loadUser(actor);
  await confirmCurrentPassword(user, input.currentPassword, ctx);
  if (newEmail === user.email) throw new AuthError("validation-failed", "That is already your email address.");

  // Don't leak whether another account holds the address: a code is stored and
  // the same answer given either way (so the confirm step answers alike too),
  // but only a free address is sent the code. An address held by a *pending*
  // account counts as free: nobody has proven it, and whoever proves it now
  // owns it (the pending account gives way on confirm). Mail goes out after
  // the answer, so its delivery time tells nothing either.
  const holder = await findUserByEmail(newEmail);
  const taken = holder !== null && holder.emailVerifiedAt !== null;
  const issued = await issueOtp(user.id, "CHANGE_EMAIL", newEmail);
  if (!issued.sent) {
    throw new AuthError(
      "rate-limited",
      `Please wait ${issued.retryAfter} seconds before asking for another code.`,
      issued.retryAfter,
    );
  }
  await recordEvent("user_email_change_request", ctx, {
    userId: user.id,
    email: user.email,
    detail: { newEmail, addressTaken: taken },
  });
  if (!taken) {
    const { code } = issued;
    runInBackground("email-change-code-mail", () =>
      sendEmailChangeCodeMail(newEmail, { code, expiresInMinutes: OTP_TTL_SECONDS / 60 }),
    );
  }
  return { pendingEmail: newEmail, expiresInMinutes: OTP_TTL_SECONDS / 60 };
}

/** The address waiting for its code, if any (to show the code step). */
export async function getPendingEmailChange(actor: Actor): Promise<{ email: string; expiresAt: Date } | null> {
  const live = await findLiveOtpCode(actor.userId, "CHANGE_EMAIL");
  if (!live || live.attempts >= OTP_MAX_ATTEMPTS_PER_CODE) return null;
  return { email: live.email, expiresAt: live.expiresAt };
}

/**
 * Finish an email change with the code sent to the new address. Only now does
 * the address change; the old address is told, and reset links mailed to it die.
 */
export async function confirmEmailChange(actor: Actor, input: { code: string }, ctx: Ctx): Promise<{ email: string }> {
  await limitIp("ipOtp", ctx);
  const user = await loadUser(actor);
  const result = await verifyOtp(user.id, "CHANGE_EMAIL", input.code, ctx);
  if (!result.ok) {
    await recordEvent(result.reason === "blocked" ? "authn_otp_fail_max" : "authn_otp_fail", ctx, {
      userId: user.id,
      email: user.email,
      detail: { purpose: "change-email" },
    });
    if (result.reason === "blocked") {
      throw new AuthError(
        "rate-limited",
        `Too many wrong codes. Try again in ${Math.ceil((result.retryAfter ?? 3600) / 60)} minutes.`,
        result.retryAfter,
      );
    }
    if (result.reason === "expired") {
      throw new AuthError("code-expired", "That code has expired or was replaced. Ask for a new code.");
    }
    throw new AuthError("invalid-code", INVALID_CODE_MESSAGE);
  }
  const newEmail = result.email;
  try {
    await changeUserEmail(user.id, newEmail);
  } catch (err) {
    if (err instanceof EmailTakenError) {
      // Someone registered the address after the code was sent.
      throw new AuthError("validation-failed", "That address can't be used. Try another one.");
    }
    throw err;
  }
  await invalidateUserResetTokens(user.id);
  await recordEvent("user_email_changed", ctx, { userId: user.id, email: newEmail, detail: { previousEmail: user.email } });
  await sendEmailChangedNoticeMail(user.email, { name: user.name, newEmail }).catch(logMailFailure("email changed notice"));
  return { email: newEmail };
}

export type DeviceInfo = { browser: string | null; os: string | null; type: string | null; label: string };

/** A readable device from a user agent ("Firefox 128 on Windows"); unknown parts stay null. */
export function describeDevice(userAgent: string | null | undefined): DeviceInfo {
  if (!userAgent) return { browser: null, os: null, type: null, label: "Unknown device" };
  const r = new UAParser(userAgent).getResult();
  const browser = r.browser.name ? [r.browser.name, r.browser.major].filter(Boolean).join(" ") : null;
  const os = r.os.name ? [r.os.name, r.os.version].filter(Boolean).join(" ") : null;
  const type = r.device.type ?? null;
  const model = [r.device.vendor, r.device.model].filter(Boolean).join(" ") || null;
  const label = browser && os ? `${browser} on ${os}` : (browser ?? os ?? model ?? "Unknown device");
  return { browser, os, type, label };
}

export type SessionView = {
  id: string;
  current: boolean;
  device: DeviceInfo;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
};

/** Every live session of the actor (this device first, then by last use). */
export async function listSessions(actor: Actor): Promise<SessionView[]> {
  const idleCutoff = new Date(Date.now() - getEnv().SESSION_IDLE_TTL_SECONDS * 1000);
  const rows = await listActiveSessions(actor.userId, idleCutoff);
  const views = rows.map((s) => ({
    id: s.id,
    current: s.id === actor.sessionId,
    device: describeDevice(s.userAgent),
    ip: s.ip,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
  }));
  return [...views.filter((v) => v.current), ...views.filter((v) => !v.current)];
}

/**
 * End one of the actor's own sessions. The owner check is in the query: an id
 * of someone else's session is "not found", exactly like an unknown id.
 */
export async function revokeOwnSession(actor: Actor, sessionId: string, ctx: Ctx): Promise<{ current: boolean }> {
  const notFound = new AuthError("not-found", "That session was not found or has already ended.");
  if (!isUuid(sessionId)) throw notFound;
  const revoked = await revokeUserSessionRow(actor.userId, sessionId, "revoked-by-user");
  if (!revoked) throw notFound;
  const current = sessionId === actor.sessionId;
  await recordEvent("session_revoked", ctx, { userId: actor.userId, detail: { sessionId, current } });
  return { current };
}

/** End every session of the actor except the one they act from. */
export async function revokeOtherSessions(actor: Actor, ctx: Ctx): Promise<{ count: number }> {
  const count = await invalidateUserSessions(actor.userId, "revoked-others", actor.sessionId);
  await recordEvent("session_revoked_others", ctx, { userId: actor.userId, detail: { count } });
  return { count };
}

export type ActivityItem = { id: string; type: string; ip: string | null; device: DeviceInfo; createdAt: Date };
export type ActivityPage = { items: ActivityItem[]; page: number; pageSize: number; hasPrevious: boolean; hasNext: boolean };

/** The actor's own auth events, newest first, `ACTIVITY_PAGE_SIZE` per page (1-based). */
export async function listActivity(actor: Actor, opts: { page?: number } = {}): Promise<ActivityPage> {
  const requested = Math.trunc(opts.page ?? 1);
  const page = Number.isFinite(requested) ? Math.min(Math.max(requested, 1), ACTIVITY_MAX_PAGE) : 1;
  const rows = await listUserEventsPage(actor.userId, {
    skip: (page - 1) * ACTIVITY_PAGE_SIZE,
    take: ACTIVITY_PAGE_SIZE + 1, // one extra row says whether a next page exists
  });
  return {
    items: rows.slice(0, ACTIVITY_PAGE_SIZE).map((e) => ({
      id: e.id,
      type: e.type,
      ip: e.ip,
      device: describeDevice(e.userAgent),
      createdAt: e.createdAt,
    })),
    page,
    pageSize: ACTIVITY_PAGE_SIZE,
    hasPrevious: page > 1,
    hasNext: rows.length > ACTIVITY_PAGE_SIZE,
  };
}
