import { z } from "zod";
import { ERROR_STATUS, type ErrorCode } from "../auth/errors";
import {
  changeEmailSchema,
  changeNameSchema,
  changePasswordSchemaFor,
  confirmEmailChangeSchema,
  forgotPasswordSchema,
  resetPasswordSchemaFor,
} from "./account";
import { currentPasswordSchema, emailSchema, nameSchema, newPasswordSchema, otpCodeSchema, PASSWORD_MIN_DEFAULT } from "./auth";

/**
 * Request and response schemas of the JSON API. The route handlers parse with
 * these and lib/openapi builds the OpenAPI document from the very same objects,
 * so the document cannot drift from what the handlers accept. Field rules come
 * from ./auth and ./account (shared with the forms).
 */

const EXAMPLE_EMAIL = "ana@example.com";
const EXAMPLE_PASSWORD = "correct horse battery staple 42!";

// ─── Errors ───────────────────────────────────────────────────────────────

/** ERROR_STATUS plus the one code only the API wrapper produces: a bug on our side (500). */
export type ApiErrorCode = ErrorCode | "internal-error";
export const API_ERROR_CODES: [ApiErrorCode, ...ApiErrorCode[]] = ["internal-error", ...(Object.keys(ERROR_STATUS) as ErrorCode[])];

export const apiErrorSchema = z
  .object({
    error: z.enum(API_ERROR_CODES).meta({ description: "Machine-readable, kebab-case error code." }),
    message: z.string().meta({ description: "A sentence for people. Never contains internals." }),
    fields: z
      .record(z.string(), z.array(z.string()))
      .optional()
      .meta({ description: "With `validation-failed`: every message per field (`body` for the body as a whole)." }),
  })
  .meta({
    id: "Error",
    description: "The one error shape of the API (outside the OAuth endpoints).",
    example: { error: "validation-failed", message: "Some fields are missing or not valid.", fields: { email: ["Enter a valid email address, like name@example.com"] } },
  });
export type ApiErrorResponse = z.infer<typeof apiErrorSchema>;

export const OAUTH_ERROR_CODES = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unsupported_grant_type",
  "temporarily_unavailable",
  "server_error",
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

export const oauthErrorSchema = z
  .object({
    error: z.enum(OAUTH_ERROR_CODES),
    error_description: z.string(),
  })
  .meta({
    id: "OAuthError",
    description:
      "RFC 6749 §5.2 error. 429 (rate limited) uses `invalid_request` with a `Retry-After` header; 503 uses `temporarily_unavailable`.",
    example: { error: "invalid_grant", error_description: "That email and password combination didn't work. Forgot your password? Resetting it also ends a sign-in pause." },
  });
export type OAuthErrorResponse = z.infer<typeof oauthErrorSchema>;

// ─── Token endpoint (RFC 6749) ───────────────────────────────────────────

/** A public client's id: informational only (no secrets are registered). RFC 6749 VSCHAR. */
const clientIdSchema = z
  .string()
  .max(100)
  .regex(/^[\x20-\x7e]*$/, "client_id has characters outside printable ASCII")
  .optional()
  .meta({ description: "Optional public client id (recorded nowhere, checked for form only)." });

export const passwordGrantSchema = z
  .object({
    grant_type: z.literal("password"),
    username: emailSchema.meta({ description: "The account's email address (trimmed and lowercased)." }),
    password: currentPasswordSchema,
    client_id: clientIdSchema,
  })
  .meta({
    id: "PasswordGrantRequest",
    description: "Resource-owner password grant (first-party clients; deprecated by RFC 9700, can be turned off).",
    example: { grant_type: "password", username: EXAMPLE_EMAIL, password: EXAMPLE_PASSWORD },
  });

export const refreshTokenGrantSchema = z
  .object({
    grant_type: z.literal("refresh_token"),
    // No length limit here: a value too long to be one of ours (an access token sent by mistake) is
    // an invalid grant, not a malformed request (RFC 6749 §5.2). refreshSession refuses anything over
    // 256 characters before hashing it, and the body itself is capped at 16 kB.
    refresh_token: z.string({ error: "refresh_token is required" }).min(1, "refresh_token is required"),
    client_id: clientIdSchema,
  })
  .meta({
    id: "RefreshTokenGrantRequest",
    description: "Exchange a refresh token for a new pair. The old refresh token stops working; presenting it again ends the session.",
    example: { grant_type: "refresh_token", refresh_token: "Yq3k…43 characters…" },
  });

export const GRANT_TYPES = ["password", "refresh_token"] as const;
export const tokenRequestSchema = z
  .discriminatedUnion("grant_type", [passwordGrantSchema, refreshTokenGrantSchema])
  .meta({ id: "TokenRequest" });
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export const tokenResponseSchema = z
  .object({
    access_token: z.string().meta({ description: "JWT (HS256, typ at+jwt): send as `Authorization: Bearer …`." }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().positive().meta({ description: "Seconds the access token lives." }),
    refresh_token: z.string().meta({ description: "Opaque, single use: each refresh returns a new one." }),
  })
  .meta({
    id: "TokenResponse",
    description: "RFC 6749 §5.1 success.",
    example: { access_token: "eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9…", token_type: "Bearer", expires_in: 900, refresh_token: "Yq3k…" },
  });
export type TokenResponse = z.infer<typeof tokenResponseSchema>;

// ─── Revocation (RFC 7009) and sign-out ──────────────────────────────────

export const revokeRequestSchema = z
  .object({
    token: z.string({ error: "token is required" }).min(1, "token is required").max(4096, "token is too long"),
    token_type_hint: z.string().max(64).optional().meta({ description: "`refresh_token` or `access_token`; only a hint." }),
    client_id: clientIdSchema,
  })
  .meta({ id: "RevokeRequest", example: { token: "Yq3k…", token_type_hint: "refresh_token" } });

export const logoutRequestSchema = z
  .object({
    all: z.boolean().optional().meta({ description: "true: end every session of the account (sign out everywhere)." }),
  })
  .meta({ id: "LogoutRequest", description: "Optional body; empty means this session only.", example: { all: true } });

export const logoutResponseSchema = z
  .object({ revoked: z.number().int().min(0).meta({ description: "How many sessions were ended." }) })
  .meta({ id: "LogoutResponse", example: { revoked: 1 } });
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

// ─── Accounts ────────────────────────────────────────────────────────────

const registerSchemas = new Map<number, z.ZodObject<{ email: typeof emailSchema; name: typeof nameSchema; password: ReturnType<typeof newPasswordSchema> }>>();
/** Sign-up body; `minLength` is the server's PASSWORD_MIN_LENGTH. */
export function registerRequestSchemaFor(minLength = PASSWORD_MIN_DEFAULT) {
  let schema = registerSchemas.get(minLength);
  if (!schema) {
    schema = z
      .object({ email: emailSchema, name: nameSchema, password: newPasswordSchema(minLength) })
      .meta({
        description: `Passwords: at least ${minLength} characters, at most 72 bytes UTF-8, not easy to guess. Unknown fields are ignored.`,
        example: { email: EXAMPLE_EMAIL, name: "Ana Tester", password: EXAMPLE_PASSWORD },
      });
    registerSchemas.set(minLength, schema);
  }
  return schema;
}

const EXAMPLE_REGISTRATION = "q3Jx9mB0Vt7cN1sYpL2wZ8aD5fH4kR6uE0iO9yT3gWe";

/** A signup secret as registerAccount makes it: 32 random bytes, base64url. */
export const registrationSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, "registration must be the value the register answer gave")
  .meta({ description: "The `registration` value from the register answer (or from a password grant refused for an unverified address)." });

export const acceptedResponseSchema = z
  .object({
    email: z.string().meta({ description: "The address, as normalised (trimmed, lowercased)." }),
    message: z.string(),
    registration: registrationSchema.meta({
      description:
        "Secret proof that this client chose the password. Send it with the code to POST /api/auth/verify-email to be signed in; " +
        "without it the address is confirmed but the password is discarded (a stranger may have registered the address first) and a link to choose one is mailed.",
    }),
  })
  .meta({
    id: "RegisterResponse",
    description: "The same answer whether or not the address already has an account.",
    example: { email: EXAMPLE_EMAIL, message: "If this address can be used, a 6-digit code is on its way.", registration: EXAMPLE_REGISTRATION },
  });
export type AcceptedResponse = z.infer<typeof acceptedResponseSchema>;

export const verifyEmailRequestSchema = z
  .object({ email: emailSchema, code: otpCodeSchema, registration: registrationSchema.optional() })
  .meta({ id: "VerifyEmailRequest", example: { email: EXAMPLE_EMAIL, code: "123456", registration: EXAMPLE_REGISTRATION } });

export const passwordSetupResponseSchema = z
  .object({
    status: z.literal("set-password"),
    email: z.string(),
    message: z.string(),
  })
  .meta({
    id: "PasswordSetupResponse",
    description:
      "The code was right but came without the registration secret: the address is confirmed, the pending password is discarded and a link to choose a new one is mailed.",
  });
export type PasswordSetupResponse = z.infer<typeof passwordSetupResponseSchema>;

export const resendCodeRequestSchema = z.object({ email: emailSchema }).meta({ id: "ResendCodeRequest", example: { email: EXAMPLE_EMAIL } });

export const resendCodeResponseSchema = z
  .object({
    message: z.string(),
    retryAfter: z.number().int().meta({ description: "Seconds before another code may be asked for." }),
  })
  .meta({ id: "ResendCodeResponse", example: { message: "If this address is waiting for a code, a new one is on its way.", retryAfter: 60 } });
export type ResendCodeResponse = z.infer<typeof resendCodeResponseSchema>;

// ─── The signed-in user ──────────────────────────────────────────────────

export const meResponseSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(["USER", "ADMIN"]),
    emailVerified: z.boolean(),
    createdAt: z.iso.datetime(),
  })
  .meta({
    id: "Me",
    example: {
      id: "0197a1b2-0000-7000-8000-000000000001",
      email: EXAMPLE_EMAIL,
      name: "Ana Tester",
      role: "USER",
      emailVerified: true,
      createdAt: "2026-01-01T12:00:00.000Z",
    },
  });
export type MeResponse = z.infer<typeof meResponseSchema>;

export const updateMeRequestSchema = changeNameSchema.meta({ id: "UpdateMeRequest", example: { name: "Ana Tester" } });

const deviceSchema = z
  .object({
    browser: z.string().nullable(),
    os: z.string().nullable(),
    type: z.string().nullable(),
    label: z.string().meta({ description: 'Readable device, e.g. "Firefox 128 on Windows".' }),
  })
  .meta({ id: "Device" });

export const sessionSchema = z
  .object({
    id: z.uuid(),
    current: z.boolean().meta({ description: "The session this request is authenticated with." }),
    device: deviceSchema,
    ip: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime(),
  })
  .meta({ id: "Session" });
export const sessionsResponseSchema = z
  .object({ sessions: z.array(sessionSchema).meta({ description: "Live sessions: this one first, then by last use." }) })
  .meta({ id: "SessionList" });
export type SessionsResponse = z.infer<typeof sessionsResponseSchema>;

/** The path parameter; the lib answers 404 for anything that is not one of the caller's session ids. */
export const sessionIdParamsSchema = z.object({
  id: z.string().max(64).meta({ description: "A session id (UUID) from GET /api/me/sessions." }),
});

export const revokeSessionResponseSchema = z
  .object({ current: z.boolean().meta({ description: "true when the caller ended its own session (it is now signed out)." }) })
  .meta({ id: "RevokeSessionResponse", example: { current: false } });
export type RevokeSessionResponse = z.infer<typeof revokeSessionResponseSchema>;

const changePasswordSchemas = new Map<number, ReturnType<typeof changePasswordSchemaFor>>();
/** Change-password body; `minLength` is the server's PASSWORD_MIN_LENGTH. */
export function changePasswordRequestSchemaFor(minLength = PASSWORD_MIN_DEFAULT) {
  let schema = changePasswordSchemas.get(minLength);
  if (!schema) {
    schema = changePasswordSchemaFor(minLength).meta({
      description: "Every other session of the account ends; this one stays signed in.",
      example: { currentPassword: EXAMPLE_PASSWORD, password: "violet kettle drums under 9 moons" },
    });
    changePasswordSchemas.set(minLength, schema);
  }
  return schema;
}

export const changePasswordResponseSchema = z
  .object({ revokedSessions: z.number().int().min(0).meta({ description: "How many other sessions were ended." }) })
  .meta({ id: "ChangePasswordResponse", example: { revokedSessions: 2 } });
export type ChangePasswordResponse = z.infer<typeof changePasswordResponseSchema>;

export const changeEmailRequestSchema = changeEmailSchema.meta({
  id: "ChangeEmailRequest",
  description: "A 6-digit code goes to the new address; the account keeps the old one until it is confirmed.",
  example: { newEmail: "ana.new@example.com", currentPassword: EXAMPLE_PASSWORD },
});

export const changeEmailResponseSchema = z
  .object({ pendingEmail: z.string(), expiresInMinutes: z.number().int() })
  .meta({ id: "ChangeEmailResponse", example: { pendingEmail: "ana.new@example.com", expiresInMinutes: 10 } });
export type ChangeEmailResponse = z.infer<typeof changeEmailResponseSchema>;

export const confirmEmailChangeRequestSchema = confirmEmailChangeSchema.meta({ id: "ConfirmEmailChangeRequest", example: { code: "123456" } });

export const emailResponseSchema = z.object({ email: z.string() }).meta({ id: "EmailResponse", example: { email: "ana.new@example.com" } });
export type EmailResponse = z.infer<typeof emailResponseSchema>;

// ─── Password recovery ───────────────────────────────────────────────────

export const forgotPasswordRequestSchema = forgotPasswordSchema.meta({ id: "ForgotPasswordRequest", example: { email: EXAMPLE_EMAIL } });

export const messageResponseSchema = z
  .object({ message: z.string() })
  .meta({ id: "MessageResponse", example: { message: "If an account exists for that address, a link is on its way." } });
export type MessageResponse = z.infer<typeof messageResponseSchema>;

const resetPasswordSchemas = new Map<number, ReturnType<typeof resetPasswordSchemaFor>>();
/** Reset body (token from the mailed link); `minLength` is the server's PASSWORD_MIN_LENGTH. */
export function resetPasswordRequestSchemaFor(minLength = PASSWORD_MIN_DEFAULT) {
  let schema = resetPasswordSchemas.get(minLength);
  if (!schema) {
    schema = resetPasswordSchemaFor(minLength).meta({
      description: "Every session of the account ends; the person then signs in with the new password.",
      example: { token: "the 43-character token from the link", password: "violet kettle drums under 9 moons" },
    });
    resetPasswordSchemas.set(minLength, schema);
  }
  return schema;
}

export const resetPasswordResponseSchema = z
  .object({ email: z.string(), message: z.string() })
  .meta({ id: "ResetPasswordResponse", example: { email: EXAMPLE_EMAIL, message: "Your password was changed. Sign in with the new one." } });
export type ResetPasswordResponse = z.infer<typeof resetPasswordResponseSchema>;

// ─── Health ──────────────────────────────────────────────────────────────

export const pingResponseSchema = z.object({ status: z.literal("ok") }).meta({ id: "Ping", example: { status: "ok" } });
export type PingResponse = z.infer<typeof pingResponseSchema>;

export const healthResponseSchema = z
  .object({ status: z.enum(["ok", "unavailable"]), database: z.enum(["ok", "unavailable"]) })
  .meta({ id: "Health", example: { status: "ok", database: "ok" } });
