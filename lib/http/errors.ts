import "server-only";
import { NextResponse } from "next/server";
import { WeakPasswordError } from "../auth/accounts";
import { AuthError, ERROR_STATUS, type ErrorCode } from "../auth/errors";
import { isDatabaseUnavailable } from "../db/errors";
import type { ApiErrorCode, ApiErrorResponse } from "../validation/api";

/**
 * The one JSON error shape of the API (outside the OAuth endpoints, which speak
 * RFC 6749): `{ "error": "<kebab-code>", "message": "…" }`, plus `fields` with
 * every message per field when a body failed validation. Status comes from
 * ERROR_STATUS; nothing else about the failure (stack, SQL, Prisma codes) ever
 * reaches the answer.
 */

/** ERROR_STATUS plus the one code only this layer produces: a bug on our side. */
export const API_ERROR_STATUS: Record<ApiErrorCode, number> = { ...ERROR_STATUS, "internal-error": 500 };

export type FieldErrors = Record<string, string[]>;

/** Answers of the API are about one person at one moment: never stored by a cache. */
export const NO_STORE = "no-store";

/** A problem with the request itself (body, content type, size, fields): always 4xx. */
export class RequestError extends AuthError {
  constructor(
    code: ErrorCode,
    message: string,
    public readonly fields?: FieldErrors,
  ) {
    super(code, message);
    this.name = "RequestError";
  }
}

/** An answer that carries extra headers (WWW-Authenticate, Allow). */
export class HeaderError extends AuthError {
  constructor(
    code: ErrorCode,
    message: string,
    public readonly headers: Record<string, string>,
  ) {
    super(code, message);
    this.name = "HeaderError";
  }
}

export function errorResponse(
  code: ApiErrorCode,
  message: string,
  opts: { fields?: FieldErrors; retryAfter?: number; headers?: Record<string, string> } = {},
): NextResponse {
  const status = API_ERROR_STATUS[code];
  const headers = new Headers(opts.headers);
  headers.set("Cache-Control", NO_STORE);
  if (status === 429 || opts.retryAfter !== undefined) headers.set("Retry-After", String(Math.max(1, Math.ceil(opts.retryAfter ?? 60))));
  const body: ApiErrorResponse = { error: code, message, ...(opts.fields ? { fields: opts.fields } : {}) };
  return NextResponse.json(body, { status, headers });
}


/** Any thrown value → the one error shape. Unknown errors are logged by name only. */
export function toErrorResponse(err: unknown): NextResponse {
  if (err instanceof WeakPasswordError) {
    return errorResponse("validation-failed", "Please choose a stronger password.", { fields: { password: [err.message] } });
  }
  if (err instanceof RequestError) return errorResponse(err.code, err.message, { fields: err.fields });
  if (err instanceof HeaderError) return errorResponse(err.code, err.message, { headers: err.headers });
  if (err instanceof AuthError) return errorResponse(err.code, err.message, { retryAfter: err.retryAfter });
  if (isDatabaseUnavailable(err)) {
    // Never a sign-in, never a 500: the client may simply try again.
    return errorResponse("service-unavailable", "The service is temporarily unavailable. Please try again in a moment.", {
      retryAfter: 5,
    });
  }
  // The message may hold SQL or data: log only what kind of failure it was.
  console.error("[gatehouse] api request failed", err instanceof Error ? err.name : typeof err);
  return errorResponse("internal-error", "Something went wrong on our side. Please try again in a moment.");
}

/**
 * Re-throw an AuthError with `code` as a 400 field error. A wrong *current*
 * password on a signed-in change is the caller's input, not a failed
 * authentication: a 401 there would make OAuth clients drop a valid token.
 */
export function rethrowAsFieldError(err: unknown, code: ErrorCode, field: string): never {
  if (err instanceof AuthError && err.code === code) {
    throw new RequestError("validation-failed", err.message, { [field]: [err.message] });
  }
  throw err;
}
