import "server-only";
import type { NextRequest } from "next/server";
import { ACCESS_COOKIE, CSRF_MESSAGE } from "../auth/constants";
import { recordCsrfRefusal } from "../auth/csrf";
import { isSameOriginRequest } from "../auth/origin";
import type { Role } from "../auth/jwt";
import { contextFromHeaders } from "../auth/request-context";
import { validateAccessToken, type ValidSession } from "../auth/session";
import { recordEvent } from "../data/audit";
import { HeaderError } from "./errors";

/**
 * Who is calling, per RFC 6750: an `Authorization: Bearer` access token, or
 * (where allowed) the browser's access cookie. Either way the token is checked
 * against its live session row, and the user comes from that row, never from a
 * body or query. Tokens in the query string (`?access_token=`) are ignored on
 * purpose: URLs end up in logs, histories and Referer headers.
 */

export const REALM = "gatehouse";
export const CHALLENGE = `Bearer realm="${REALM}"`;
export const CHALLENGE_INVALID_TOKEN = `${CHALLENGE}, error="invalid_token"`;
export const CHALLENGE_INSUFFICIENT_SCOPE = `${CHALLENGE}, error="insufficient_scope"`;

export type AuthSource = "bearer" | "cookie";
export type Caller = {
  user: ValidSession["session"]["user"];
  sessionId: string;
  source: AuthSource;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// RFC 6750 §2.1 b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function unauthenticated(): HeaderError {
  return new HeaderError("unauthenticated", "Sign in first: send an access token in the Authorization header.", {
    "WWW-Authenticate": CHALLENGE,
  });
}
function invalidToken(): HeaderError {
  return new HeaderError("invalid-token", "The access token is invalid, expired or revoked.", {
    "WWW-Authenticate": CHALLENGE_INVALID_TOKEN,
  });
}

/**
 * The caller of this request, or a thrown 401/403 with the RFC 6750 challenge.
 * `cookie: true` also accepts the browser session cookie when no Authorization
 * header is sent; a request that sends a Bearer header is judged on it alone.
 */
export async function authenticate(req: NextRequest, opts: { cookie?: boolean; role?: Role } = {}): Promise<Caller> {
  const header = req.headers.get("authorization");
  let token: string | undefined;
  let source: AuthSource;
  if (header && /^bearer(\s|$)/i.test(header)) {
    const m = BEARER.exec(header);
    if (!m) throw invalidToken();
    token = m[1];
    source = "bearer";
  } else if (opts.cookie && req.cookies.has(ACCESS_COOKIE)) {
    if (!SAFE_METHODS.has(req.method) && !isSameOriginRequest(req)) {
      await recordCsrfRefusal(req.headers, req.nextUrl.pathname);
      throw new HeaderError("csrf-rejected", CSRF_MESSAGE, {});
    }
    token = req.cookies.get(ACCESS_COOKIE)?.value;
    source = "cookie";
  } else {
    throw unauthenticated();
  }
  const valid = await validateAccessToken(token);
  if (!valid) throw invalidToken();
  // The role of the live user row, not the JWT's copy: a demotion applies at once.
  if (opts.role && valid.session.user.role !== opts.role) {
    await recordEvent("authz_fail", contextFromHeaders(req.headers), {
      userId: valid.session.user.id,
      detail: { path: req.nextUrl.pathname, required: opts.role },
    });
    throw new HeaderError("forbidden", "Your account is not allowed to do this.", { "WWW-Authenticate": CHALLENGE_INSUFFICIENT_SCOPE });
  }
  return { user: valid.session.user, sessionId: valid.session.id, source };
}
