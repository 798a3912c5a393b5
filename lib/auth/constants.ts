/**
 * Names, lifetimes and limits of the auth system in one place. Edge-safe: no
 * Node APIs, so middleware.ts may import it. Numbers follow SECURITY.md; the
 * ones operators tune are read from the environment (see lib/env.ts).
 */

const isProduction = process.env.NODE_ENV === "production";

export const ACCESS_TOKEN_TYPE = "at+jwt"; // RFC 9068; no other token we issue uses it
export const JWT_ALGORITHM = "HS256";
/**
 * The `client_id` claim of every access token (RFC 9068 requires one). All our
 * clients are public and unregistered, so a `client_id` sent with a token request
 * is only the caller's say-so (and the refresh grant would need it stored per
 * session): the token names the one first-party client instead, which is true
 * whoever asked. Resource servers must not grant anything on this claim.
 */
export const ACCESS_TOKEN_CLIENT_ID = "gatehouse";
/** Clock leeway when checking exp/iat: at most 30 s (SECURITY.md); tests may lower it. */
export function clockLeewaySeconds(): number {
  const raw = process.env.JWT_CLOCK_LEEWAY_SECONDS;
  const v = raw ? Number(raw) : 30;
  return Number.isInteger(v) && v >= 0 && v <= 30 ? v : 30;
}

export function accessTokenTtlSeconds(): number {
  return Number(process.env.ACCESS_TOKEN_TTL_SECONDS) || 15 * 60;
}
export function sessionIdleTtlSeconds(): number {
  return Number(process.env.SESSION_IDLE_TTL_SECONDS) || 7 * 24 * 3600;
}

/**
 * APP_URL when it is unset. Outside production: the port this server listens
 * on (`next dev` sets PORT, also for `-p 4000` and when it moves to a free
 * port), so mail links, the OpenAPI `servers` and the CSRF origin match the
 * running app. Production always sets APP_URL (the public URL behind a proxy).
 */
export function defaultAppUrl(env: Record<string, string | undefined> = process.env): string {
  const port = env.PORT?.trim();
  const usePort = env.NODE_ENV !== "production" && port && /^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536;
  return `http://localhost:${usePort ? port : "3000"}`;
}

/** The app's public origin; links in mails and the CSRF check use it, never the Host header. */
export function appOrigin(): string {
  return new URL(process.env.APP_URL || defaultAppUrl()).origin;
}
export function jwtIssuer(): string {
  return process.env.JWT_ISSUER || appOrigin();
}
export function jwtAudience(): string {
  return process.env.JWT_AUDIENCE || "gatehouse";
}

// Cookies. In production the prefixes make the browser enforce Secure (and,
// for __Host-, Path=/ with no Domain), so a subdomain cannot plant them.
export const ACCESS_COOKIE = isProduction ? "__Host-gh_at" : "gh_at";
export const REFRESH_COOKIE = isProduction ? "__Secure-gh_rt" : "gh_rt";
export const REFRESH_PATH = "/api/auth/refresh";
/** The signup secret of a pending account (lib/auth/accounts.ts): only the browser that signed up holds it. */
export const SIGNUP_COOKIE = isProduction ? "__Host-gh_su" : "gh_su";
export const SIGNUP_COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600;
export const SECURE_COOKIES = isProduction;

export const PROTECTED_PREFIXES = ["/dashboard", "/account", "/admin"];
export const ADMIN_PREFIX = "/admin";
export const SIGN_IN_PATH = "/sign-in";
export const DEFAULT_AFTER_SIGN_IN = "/dashboard";

// Email codes.
export const OTP_TTL_SECONDS = 10 * 60;
export const OTP_MAX_ATTEMPTS_PER_CODE = 5;
/**
 * Wrong codes per hour for one account from one client IP (stricter reading of
 * SECURITY.md's "10 per account per hour", see docs/security-checklist.md
 * "Lockout design"): an attacker at one address cannot block the owner at another.
 */
export const OTP_MAX_FAILURES_PER_HOUR = 10;
/**
 * Wrong codes per hour for one account from all clients together: with 5 tries
 * per code and 6-digit codes, at most 50 guesses an hour (a 1 in 20,000 chance)
 * however many addresses an attacker has.
 */
export const OTP_MAX_FAILURES_PER_ACCOUNT_PER_HOUR = 50;
export const OTP_RESEND_COOLDOWN_SECONDS = 60;
export const OTP_MAX_SENDS_PER_HOUR = 5;

// Sign-in lockout.
export const LOCKOUT_THRESHOLD = 10;
export const LOCKOUT_SECONDS = 15 * 60;

// Password reset.
export const RESET_TOKEN_TTL_SECONDS = 30 * 60;

/**
 * Mails a stranger can make the app send to one address, per kind and hour
 * (sign-up notices, reset links, lock notices; codes use OTP_MAX_SENDS_PER_HOUR),
 * whoever asks and from wherever. An honest person needs one of each, two if the
 * first is slow to arrive: 3 leaves room for that, while a flood delivers 3 and
 * then nothing. Counted per kind so that the cheapest kind to trigger (sign-up
 * notices) cannot use up the reset links and lock notices that are the owner's
 * way back in.
 */
export const MAIL_PER_RECIPIENT_PER_HOUR = 3;

/** Per client IP, per credential endpoint: requests per window. */
export const IP_LIMIT = { points: 30, durationSeconds: 60 } as const;

/** Request headers only the app itself may set; middleware drops incoming copies. */
export const INTERNAL_HEADER_PREFIX = "x-gatehouse-";
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";
export const REQUEST_ID_HEADER = "x-request-id";
/**
 * The middleware (edge, no database) hands a refused cross-site write to this
 * Node route so the refusal is audited; the header carries the refused path and
 * is internal, so only the middleware can set it.
 */
export const CSRF_REFUSED_PATH = "/internal/csrf-refused";
export const CSRF_REFUSED_HEADER = "x-gatehouse-csrf-refused";
export const CSRF_MESSAGE = "This request did not come from this site.";
