import "server-only";
import { NextResponse } from "next/server";
import type { TokenPair } from "../auth/session";
import { AuthError } from "../auth/errors";
import type { OAuthErrorCode, OAuthErrorResponse, TokenResponse } from "../validation/api";
import { isDatabaseUnavailable } from "../db/errors";
import { NO_STORE } from "./errors";

/**
 * RFC 6749 answers for the token and revocation endpoints: §5.1 success and
 * §5.2 errors (`{ error, error_description }`), always with
 * `Cache-Control: no-store` and `Pragma: no-cache`.
 *
 * Two choices the RFC leaves open, documented in the OpenAPI description too:
 * - rate limited → 429 with `Retry-After` and `error: "invalid_request"`
 *   (RFC 6749 has no token-endpoint code for it; `slow_down` belongs to the
 *   device flow), so every OAuth client library still reads it as an error;
 * - database outage or a full bcrypt queue ("busy") → 503
 *   `temporarily_unavailable` with `Retry-After`; our own bug → 500
 *   `server_error` (both codes borrowed from §4.1.2.1).
 */

const OAUTH_HEADERS = { "Cache-Control": NO_STORE, Pragma: "no-cache" } as const;

export class OAuthError extends Error {
  constructor(
    public readonly error: OAuthErrorCode,
    public readonly description: string,
    public readonly status = 400,
    public readonly headers: Record<string, string> = {},
    /** Extra members of the error object (RFC 6749 §5.2 allows them), e.g. `registration`. */
    public readonly extra: Record<string, string> = {},
  ) {
    super(description);
    this.name = "OAuthError";
  }
}

export function oauthErrorResponse(
  error: OAuthErrorCode,
  description: string,
  status = 400,
  headers: Record<string, string> = {},
  extra: Record<string, string> = {},
): NextResponse {
  const body: OAuthErrorResponse = { ...extra, error, error_description: description };
  return NextResponse.json(body, { status, headers: { ...OAUTH_HEADERS, ...headers } });
}

/** §5.1: the pair as an OAuth client expects it. */
export function tokenResponse(tokens: TokenPair): NextResponse {
  const body: TokenResponse = {
    access_token: tokens.accessToken,
    token_type: "Bearer",
    expires_in: tokens.expiresIn,
    refresh_token: tokens.refreshToken,
  };
  return NextResponse.json(body, { status: 200, headers: OAUTH_HEADERS });
}

/** Anything thrown inside an OAuth endpoint → its §5.2 answer. */
export function toOAuthErrorResponse(err: unknown): NextResponse {
  if (err instanceof OAuthError) return oauthErrorResponse(err.error, err.description, err.status, err.headers, err.extra);
  if (err instanceof AuthError) {
    if (err.code === "rate-limited") {
      return oauthErrorResponse("invalid_request", err.message, 429, { "Retry-After": String(err.retryAfter ?? 60) });
    }
    if (err.code === "invalid-credentials") return oauthErrorResponse("invalid_grant", err.message);
    // Database or mail outage, or the bcrypt budget spent ("busy"): the client may retry.
    if (err.status === 503) {
      return oauthErrorResponse("temporarily_unavailable", err.message, 503, { "Retry-After": String(Math.max(1, Math.ceil(err.retryAfter ?? 5))) });
    }
    // Body problems (400/413/415) keep their status; the code is invalid_request.
    if (err.status < 500) return oauthErrorResponse("invalid_request", err.message, err.status);
  }
  if (isDatabaseUnavailable(err)) {
    return oauthErrorResponse("temporarily_unavailable", "The service is temporarily unavailable. Please try again in a moment.", 503, {
      "Retry-After": "5",
    });
  }
  console.error("[gatehouse] oauth request failed", err instanceof Error ? err.name : typeof err);
  return oauthErrorResponse("server_error", "Something went wrong on our side. Please try again in a moment.", 500);
}

/**
 * Public clients only: Gatehouse registers no client secrets, so a request
 * that really tries to authenticate a client (a client_secret, a client
 * assertion, any other Authorization scheme) uses a method we do not support
 * → 401 invalid_client, with a Basic challenge when the Authorization header
 * was used (RFC 6749 §5.2). HTTP Basic with an EMPTY secret only names a
 * public client (Swagger UI sends that by default) and is accepted, like
 * `client_id` in the body.
 */
export function rejectClientAuthentication(req: Request, raw: Record<string, unknown>): void {
  const unsupported = "Client authentication is not supported: this server only has public clients.";
  const header = req.headers.get("authorization");
  if (header) {
    const basic = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
    let secret: string | null = null;
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      secret = colon === -1 ? null : decoded.slice(colon + 1);
    }
    if (secret !== "") throw new OAuthError("invalid_client", unsupported, 401, { "WWW-Authenticate": 'Basic realm="gatehouse"' });
  }
  if (("client_secret" in raw && raw.client_secret !== "") || "client_assertion" in raw) {
    throw new OAuthError("invalid_client", unsupported, 401);
  }
}
