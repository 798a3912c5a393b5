import "server-only";
import { recordEvent, type EventContext } from "../data/audit";
import { consumeResetToken, findResetToken } from "../data/reset-tokens";
import { findUserByEmail, findUserById, type UserRecord } from "../data/users";
import { getEnv } from "../env";
import { sendPasswordResetDoneMail, sendPasswordResetMail } from "../mail";
import { emailSchema, newPasswordSchema } from "../validation/auth";
import { runInBackground } from "./background";
import { RESET_TOKEN_TTL_SECONDS } from "./constants";
import { sha256Hex } from "./crypto";
import { AuthError, WeakPasswordError } from "./errors";
import { provenName, sendWithinMailCap } from "./mail-budget";
import { hashPassword } from "./password";
import { passwordWeakness } from "./password-strength";
import { consume } from "./rate-limit";
import { issueResetLink } from "./reset-link";
import { invalidateUserSessions } from "./session";

/**
 * Password recovery: a single-use link by mail (32 random bytes, only the
 * SHA-256 stored, 30 minutes), consumed on submit, never on open. Shared by
 * server actions and route handlers; failures throw AuthError.
 */

type Ctx = EventContext & { ip: string };

/** The one answer to every reset request, known address or not. */
export const RESET_REQUESTED_MESSAGE = "If an account exists for that address, a link is on its way.";
/** The one answer for an expired, used, superseded or malformed link. */
export const RESET_LINK_INVALID_MESSAGE = "This link is no longer valid — request a new one.";

/** 32 bytes in base64url without padding: exactly 43 characters of the URL-safe alphabet. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

async function limitIp(ctx: Ctx): Promise<void> {
  const r = await consume("ipReset", ctx.ip);
  if (!r.allowed) {
    await recordEvent("rate_limit_exceeded", ctx, { detail: { rule: "ipReset" } });
    throw new AuthError("rate-limited", `Too many attempts. Try again in ${r.retryAfter} seconds.`, r.retryAfter);
  }
}

/**
 * Mail a fresh single-use link (within the recipient's mail budget); also how a
 * just-proven address gets its first password (lib/auth/accounts.ts).
 */
export async function mailResetLink(user: UserRecord): Promise<void> {
  // A stranger cannot flood someone's inbox with links, nor retire the link the
  // owner holds: past the cap, no token is made and nothing is sent.
  await sendWithinMailCap(user.email, "reset-link", async () => {
    const resetUrl = await issueResetLink(user.id);
    await sendPasswordResetMail(user.email, { name: provenName(user), resetUrl, expiresInMinutes: RESET_TOKEN_TTL_SECONDS / 60 });
  });
}

/**
 * Ask for a reset link. Known and unknown addresses get the same value, after
 * the same work (one lookup, one audit row): the token and the mail are made
 * after the answer, so neither the body nor the timing tells them apart.
 */
export async function requestPasswordReset(email: string, ctx: Ctx): Promise<{ message: string }> {
  await limitIp(ctx);
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) throw new AuthError("validation-failed", "Enter a valid email address, like name@example.com");
  const user = await findUserByEmail(parsed.data);
  await recordEvent("authn_password_reset_request", ctx, { userId: user?.id ?? null, email: parsed.data });
  if (user) runInBackground("password-reset-mail", () => mailResetLink(user));
  return { message: RESET_REQUESTED_MESSAGE };
}

type LiveToken = { tokenHash: string; user: UserRecord };

async function findLiveToken(token: string): Promise<LiveToken | null> {
  if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) return null;
  const tokenHash = sha256Hex(token);
  const row = await findResetToken(tokenHash);
  if (!row || row.usedAt || row.expiresAt <= new Date()) return null;
  const user = await findUserById(row.userId);
  return user ? { tokenHash, user } : null;
}

export type ResetTokenCheck = { valid: true; email: string } | { valid: false };

/**
 * May this link show the form? Reads only: opening a link (or a mail scanner
 * prefetching it) never spends the token. The email lets password managers
 * file the new password under the right account.
 */
export async function checkResetToken(token: string | null | undefined): Promise<ResetTokenCheck> {
  const live = token ? await findLiveToken(token) : null;
  return live ? { valid: true, email: live.user.email } : { valid: false };
}

/**
 * Set a new password with a link's token. The token is spent atomically with
 * the password change (exactly one of many concurrent submits wins); then every
 * session ends, a notice is mailed, and the person signs in again themselves:
 * a reset never signs anyone in.
 */
export async function resetPassword(
  input: { token: string; password: string },
  ctx: Ctx,
): Promise<{ email: string }> {
  await limitIp(ctx);
  const invalid = async (userId?: string) => {
    await recordEvent("authn_password_reset_fail", ctx, { userId: userId ?? null });
    return new AuthError("invalid-token", RESET_LINK_INVALID_MESSAGE);
  };
  const live = await findLiveToken(input.token);
  if (!live) throw await invalid();
  const { user, tokenHash } = live;

  const rule = newPasswordSchema(getEnv().PASSWORD_MIN_LENGTH).safeParse(input.password);
  if (!rule.success) throw new WeakPasswordError(rule.error.issues[0]?.message ?? "Choose another password.");
  const weakness = passwordWeakness(input.password, [user.email, user.name]);
  if (weakness) throw new WeakPasswordError(weakness);

  const passwordHash = await hashPassword(input.password);
  const won = await consumeResetToken({ tokenHash, passwordHash });
  if (!won) throw await invalid(user.id); // spent by a concurrent submit, or expired meanwhile

  const revokedSessions = await invalidateUserSessions(user.id, "password-reset");
  await recordEvent("authn_password_reset", ctx, { userId: user.id, email: user.email, detail: { revokedSessions } });
  await sendPasswordResetDoneMail(user.email, { name: user.name }).catch((err: unknown) => {
    // The password is already changed; a lost notice must not turn success into an error.
    console.error("[gatehouse] reset notice mail failed", err instanceof Error ? err.name : typeof err);
  });
  return { email: user.email };
}
