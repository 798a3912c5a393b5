import "server-only";
import { recordEvent, type EventContext } from "../data/audit";
import {
  EmailTakenError,
  createUser,
  deleteUser,
  findUserByEmail,
  lockUser,
  claimSignInAttempt,
  clearFailedLogins,
  releaseLoginAttempt,
  replacePendingUser,
  rotateSignupSecret,
  verifyEmailDiscardingPassword,
  type UserRecord,
} from "../data/users";
import { getEnv } from "../env";
import { MailError, sendSignUpAttemptMail, sendVerificationCodeMail } from "../mail";
import type { SignInInput, SignUpInput, VerifyEmailInput } from "../validation/auth";
import { LOCKOUT_SECONDS, LOCKOUT_THRESHOLD, OTP_RESEND_COOLDOWN_SECONDS, OTP_TTL_SECONDS } from "./constants";
import { runInBackground } from "./background";
import { randomToken, safeEqualHex, sha256Hex, unusablePasswordHash } from "./crypto";
import { AuthError, INVALID_CREDENTIALS_MESSAGE, WeakPasswordError } from "./errors";
import { notifyAccountLocked } from "./lockout";
import { issueOtp, refundOtpSend, spendDecoyOtpFailure, verifyOtp } from "./otp";
import { dummyPasswordCheck, hashPassword, verifyPassword } from "./password";
import { passwordWeakness } from "./password-strength";
import { consume, refund } from "./rate-limit";
import { mailResetLink } from "./recovery";
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

export { WeakPasswordError } from "./errors";

const SIGN_UP_MAIL_FAILED = "We couldn't send the confirmation email. Please try again in a moment.";

/** A lock (brute-force or an admin's) in force now. */
function isLocked(user: Pick<UserRecord, "lockedUntil">, now = new Date()): boolean {
  return user.lockedUntil !== null && user.lockedUntil > now;
}

/** A new signup secret: the plain value goes to the registrant (cookie / API body), its SHA-256 to the row. */
function newRegistration(): { registration: string; hash: string } {
  const registration = randomToken(32);
  return { registration, hash: sha256Hex(registration) };
}

export type SignUpResult = {
  email: string;
  /**
   * The signup secret: with the mailed code it signs this registrant in. Given
   * for every answer (a random one when the address is taken) so the answer
   * says nothing about the address.
   */
  registration: string;
};

/** Issue and mail a code within the account's send budget; false when the budget said no (nothing sent). */
async function mailVerificationCode(user: UserRecord, opts: { skipCooldown?: boolean } = {}): Promise<boolean> {
  const issued = await issueOtp(user.id, "VERIFY_EMAIL", user.email, opts);
  if (!issued.sent) return false;
  try {
    await sendVerificationCodeMail(user.email, { code: issued.code, expiresInMinutes: OTP_TTL_SECONDS / 60 });
  } catch (err) {
    // Nothing was sent: asking again once mail works must not be refused as "too soon".
    await refundOtpSend(user.id, "VERIFY_EMAIL", user.email);
    throw err;
  }
  return true;
}

/**
 * Sign up. An address nobody has proven yet is *pending*: a new sign-up for it
 * replaces the pending account's name, password and signup secret (the
 * earlier registrant's choices die with them) and mails a fresh code; so the
 * first person to register someone else's address gains nothing. A verified
 * address gets the same answer; its owner is told by mail instead. A mail
 * failure undoes a brand-new account so a retry is not blocked by a half-made one.
 */
export async function registerAccount(input: SignUpInput, ctx: Ctx): Promise<SignUpResult> {
  await limitIp("ipSignUp", ctx);
  const weakness = passwordWeakness(input.password, [input.email, input.name]);
  if (weakness) throw new WeakPasswordError(weakness);

  // Hash in every branch so timing does not reveal a taken address.
  const passwordHash = await hashPassword(input.password);
  const { registration, hash } = newRegistration();
  const existing = await findUserByEmail(input.email);
  if (existing && !existing.emailVerifiedAt) {
    const replaced = await replacePendingUser({ id: existing.id, name: input.name, passwordHash, signupSecretHash: hash });
    if (replaced) {
      await recordEvent("user_signup_pending_replaced", ctx, { userId: replaced.id, email: replaced.email });
      // A locked account is replaced (the stranger's password dies) but gets no code: verification refuses it anyway.
      if (!isLocked(replaced)) await sendCodeOrFail(replaced);
      return { email: replaced.email, registration };
    }
    // Verified meanwhile: fall through to the taken-address answer.
  }
  if (existing) {
    await recordEvent("user_signup_existing_email", ctx, { userId: existing.id, email: existing.email });
    try {
      await sendSignUpAttemptMail(existing.email);
    } catch (err) {
      // Same answer as a new address whose code mail failed.
      if (err instanceof MailError) throw new AuthError("mail-unavailable", SIGN_UP_MAIL_FAILED);
      throw err;
    }
    return { email: input.email, registration };
  }
  let user;
  try {
    user = await createUser({ email: input.email, name: input.name, passwordHash, signupSecretHash: hash });
  } catch (err) {
    if (err instanceof EmailTakenError) return { email: input.email, registration }; // lost a race: same answer
    throw err;
  }
  try {
    await mailVerificationCode(user);
  } catch (err) {
    await deleteUser(user.id);
    if (err instanceof MailError) throw new AuthError("mail-unavailable", SIGN_UP_MAIL_FAILED);
    throw err;
  }
  await recordEvent("user_created", ctx, { userId: user.id, email: user.email });
  return { email: user.email, registration };
}

async function sendCodeOrFail(user: UserRecord): Promise<void> {
  try {
    await mailVerificationCode(user, { skipCooldown: true });
  } catch (err) {
    if (err instanceof MailError) throw new AuthError("mail-unavailable", SIGN_UP_MAIL_FAILED);
    throw err;
  }
}

const INVALID_CODE = "That code is not valid. Check the latest email or ask for a new code.";
export const PASSWORD_SETUP_MESSAGE =
  "Your address is confirmed. To finish, choose a password with the link we just emailed you.";

export type VerifyEmailResult =
  | { status: "signed-in"; tokens: TokenPair }
  /** The code was right but came without this registration's secret: see verifyEmail. */
  | { status: "set-password"; email: string; message: string };

/**
 * Confirm the address with the emailed code. The code proves the mailbox; the
 * signup secret (`registration`, held only by whoever chose the password)
 * proves the password is the mailbox owner's. With both, the person is signed
 * in (one conditional statement: still pending, same secret, not locked).
 * With the code alone, the address is confirmed but the pending password is
 * thrown away and a link to choose a new one is mailed: a stranger who
 * registered the address first can never sign in with their password,
 * whatever order the requests come in.
 */
export async function verifyEmail(
  input: VerifyEmailInput & { registration?: string | null },
  ctx: Ctx,
): Promise<VerifyEmailResult> {
  await limitIp("ipOtp", ctx);
  const user = await findUserByEmail(input.email);
  if (!user || user.emailVerifiedAt || isLocked(user)) {
    // Don't leak whether the user exists, is verified or is locked: spend the
    // same wrong-code budgets (per client, per address) a real account would.
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

  const secretHash = input.registration ? sha256Hex(input.registration) : null;
  if (secretHash && user.signupSecretHash && safeEqualHex(secretHash, user.signupSecretHash)) {
    const tokens = await createSession(user, { kind: "verify", signupSecretHash: secretHash }, ctx);
    if (tokens) {
      await recordEvent("authn_email_verified", ctx, { userId: user.id, email: user.email });
      await recordEvent("authn_login_success", ctx, { userId: user.id, email: user.email, detail: { method: "email-code" } });
      return { status: "signed-in", tokens };
    }
    // Replaced by a newer sign-up, locked or verified since the read: the code
    // is spent and this registration is gone; same answer as a wrong code.
    throw new AuthError("invalid-code", INVALID_CODE);
  }

  // The mailbox owner, but not (provably) the one who chose the password.
  if (!(await verifyEmailDiscardingPassword({ id: user.id, unusableHash: unusablePasswordHash() }))) {
    throw new AuthError("invalid-code", INVALID_CODE);
  }
  await recordEvent("authn_email_verified", ctx, { userId: user.id, email: user.email, detail: { passwordDiscarded: true } });
  const verified = { ...user, emailVerifiedAt: new Date() };
  runInBackground("password-setup-mail", () => mailResetLink(verified));
  return { status: "set-password", email: user.email, message: PASSWORD_SETUP_MESSAGE };
}

/**
 * Send a fresh code. Same answer, after the same database work, whether the
 * address is unknown, verified, locked or waiting: the mail goes out after the
 * answer, so its timing tells nothing either.
 */
export async function resendVerificationCode(email: string, ctx: Ctx): Promise<{ retryAfter: number }> {
  await limitIp("ipOtp", ctx);
  const perAddress = await consume("otpResendByEmail", email);
  if (!perAddress.allowed) {
    throw new AuthError("rate-limited", `Please wait ${perAddress.retryAfter} seconds before asking for another code.`, perAddress.retryAfter);
  }
  const user = await findUserByEmail(email);
  if (user && !user.emailVerifiedAt && !isLocked(user)) {
    runInBackground("verification-code-mail", async () => {
      let sent: boolean;
      try {
        sent = await mailVerificationCode(user);
      } catch (err) {
        await refund("otpResendByEmail", email); // nothing was sent: the per-address cooldown is given back too
        throw err;
      }
      if (sent) await recordEvent("authn_otp_sent", ctx, { userId: user.id, email: user.email });
    });
  }
  return { retryAfter: OTP_RESEND_COOLDOWN_SECONDS };
}

export type SignInResult =
  | { status: "signed-in"; tokens: TokenPair }
  /** Right password, address not yet proven: a code is mailed; `registration` lets this client finish with it. */
  | { status: "verify-email"; email: string; registration: string };

/**
 * Password sign-in. Unknown email, wrong password and locked account all get
 * the same AuthError("invalid-credentials") after the same bcrypt work.
 *
 * Check → bcrypt (~250 ms) → write is a race, so the write re-checks: the
 * session is inserted only if the credentials version read with the hash is
 * still current and no lock is in force at that moment (one statement). A
 * reset, password change, admin lock or sign-out-everywhere that commits
 * while the hash is being checked wins.
 */
export async function signIn(
  input: SignInInput,
  ctx: Ctx,
  opts: { rule?: "ipSignIn" | "ipToken" } = {},
): Promise<SignInResult> {
  await limitIp(opts.rule ?? "ipSignIn", ctx);
  const fail = () => new AuthError("invalid-credentials", INVALID_CREDENTIALS_MESSAGE);
  // One statement finds the account and counts the attempt; an unknown
  // address runs it too (matching nothing), then a dummy compare: the same work.
  const claim = await claimSignInAttempt(input.email);
  if (!claim) {
    await dummyPasswordCheck(input.password);
    await recordEvent("authn_login_fail", ctx, { email: input.email, detail: { reason: "unknown-email" } });
    throw fail();
  }
  const { user, attempt } = claim;
  let passwordOk: boolean;
  try {
    passwordOk = await verifyPassword(input.password, user.passwordHash);
  } catch (err) {
    // "Busy" (the bcrypt queue is full) is the server's refusal, not a wrong
    // guess: it must not move the owner toward a lockout.
    if (attempt !== null && err instanceof AuthError && err.code === "busy") await releaseLoginAttempt(user.id);
    throw err;
  }
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
    // This client knows the password, so it may finish with the code: it gets a
    // fresh signup secret, unless a newer sign-up replaced the password meanwhile.
    const { registration, hash } = newRegistration();
    if (!(await rotateSignupSecret({ id: user.id, securityVersion: user.securityVersion, signupSecretHash: hash }))) throw fail();
    runInBackground("verification-code-mail", async () => {
      await mailVerificationCode(user);
    });
    await recordEvent("authn_login_unverified", ctx, { userId: user.id, email: user.email });
    return { status: "verify-email", email: user.email, registration };
  }
  const tokens = await createSession(user, { kind: "sign-in", securityVersion: user.securityVersion }, ctx);
  if (!tokens) {
    // Locked, reset or signed out everywhere while bcrypt ran: the newer state wins.
    await recordEvent("authn_login_fail", ctx, { userId: user.id, email: user.email, detail: { reason: "changed-during-check" } });
    throw fail();
  }
  await recordEvent("authn_login_success", ctx, { userId: user.id, email: user.email, detail: { method: "password" } });
  return { status: "signed-in", tokens };
}

/** Used by the token endpoint setting check. */
export function passwordGrantEnabled(): boolean {
  return getEnv().PASSWORD_GRANT_ENABLED;
}
