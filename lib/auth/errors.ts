/**
 * Error codes the API and forms speak, mapped to HTTP status in one place.
 * Prose goes to people; codes go to programs.
 */
export const ERROR_STATUS = {
  "invalid-request": 400,
  "validation-failed": 400,
  "invalid-credentials": 401,
  "unauthenticated": 401,
  "invalid-token": 401,
  "email-not-verified": 403,
  "forbidden": 403,
  "csrf-rejected": 403,
  "invalid-code": 400,
  "code-expired": 400,
  "not-found": 404,
  "method-not-allowed": 405,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  "mail-unavailable": 503,
  "service-unavailable": 503,
  // The bcrypt budget is spent (lib/auth/password-pool.ts): retry after Retry-After.
  "busy": 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class AuthError extends Error {
  constructor(
    public readonly code: ErrorCode,
    message: string,
    public readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "AuthError";
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A new password that is too short, too long or too guessable; the message says why. */
export class WeakPasswordError extends AuthError {
  constructor(message: string) {
    super("validation-failed", message);
  }
}

/**
 * The one answer for every failed sign-in: unknown email, wrong password, locked.
 * It names the way out of a pause (a reset, whose link the lock notice also
 * mails) without saying whether this sign-in hit one.
 */
export const INVALID_CREDENTIALS_MESSAGE = "That email and password combination didn't work. Forgot your password? Resetting it also ends a sign-in pause.";

/** The bcrypt budget is spent: the same words on every form and in every API answer. */
export const BUSY_MESSAGE = "The server is busy. Please try again in a moment.";
