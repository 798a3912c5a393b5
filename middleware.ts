import { NextResponse, type NextRequest } from "next/server";
import {
  ACCESS_COOKIE,
  ADMIN_PREFIX,
  CLIENT_IP_HEADER,
  CSRF_MESSAGE,
  CSRF_REFUSED_HEADER,
  CSRF_REFUSED_PATH,
  INTERNAL_HEADER_PREFIX,
  PROTECTED_PREFIXES,
  REFRESH_COOKIE,
  REFRESH_PATH,
  REQUEST_ID_HEADER,
  SIGN_IN_PATH,
  appOrigin,
} from "./lib/auth/constants";
import { verifyAccessToken } from "./lib/auth/jwt";
import { isSameOriginRequest } from "./lib/auth/origin";

/**
 * Edge guard (jose only, no database). It turns away what it can early, but it
 * is never the only guard: layouts, actions and reads check the session row.
 *  1. Drops request headers only the app may set.
 *  2. CSRF: state-changing requests that carry our cookies, and every
 *     non-GET to a page (server actions), must come from our own origin → else 403.
 *  3. Protected pages need a valid access token; an expired one goes to the
 *     refresh page, none to sign-in with `next`; /admin needs role ADMIN.
 */

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** The methods a browser can send cross-site; the refusal of anything else is not worth an audit row. */
const AUDITED_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const OAUTH_PATHS = new Set(["/api/auth/token", "/api/auth/revoke"]);

/**
 * A per-response nonce CSP. Next reads the policy from the request headers and
 * stamps the nonce on its own scripts; pages read `x-nonce` for theirs.
 * 'strict-dynamic' lets those scripts load the app's chunks; nothing injected
 * inline can run. Styles allow inline (React style attributes), which cannot execute code.
 */
export function contentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV !== "production"): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

function isProtected(pathname: string): boolean {
  return PROTECTED_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

function hasOurCookies(req: NextRequest): boolean {
  return req.cookies.has(ACCESS_COOKIE) || req.cookies.has(REFRESH_COOKIE);
}

function forbidden(): NextResponse {
  return NextResponse.json({ error: "csrf-rejected", message: CSRF_MESSAGE }, { status: 403 });
}

/**
 * A redirect to one of our pages, on the configured public origin (APP_URL):
 * the host the request reached is whatever the server bound to (`next start -H
 * 127.0.0.1` reports localhost) or a client-chosen Host, never what the browser should follow.
 */
function redirectTo(pathname: string, next?: string): NextResponse {
  const url = new URL(pathname, appOrigin());
  if (next !== undefined) url.searchParams.set("next", next);
  return NextResponse.redirect(url, 303);
}

function isDecodablePath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

function badPath(isApi: boolean): NextResponse {
  return isApi
    ? NextResponse.json({ error: "invalid-request", message: "The request path is not valid URL encoding." }, { status: 400 })
    : new NextResponse("Bad request: the address is not valid URL encoding.", {
        status: 400,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
}

export async function middleware(req: NextRequest): Promise<NextResponse> {
  const requestId = crypto.randomUUID();
  const headers = new Headers(req.headers);
  for (const name of [...headers.keys()]) {
    if (name.startsWith(INTERNAL_HEADER_PREFIX) && name !== CLIENT_IP_HEADER) headers.delete(name);
  }
  headers.delete("x-middleware-subrequest");
  headers.set(REQUEST_ID_HEADER, requestId);
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  // Every answer, the middleware's own included, carries the request id and the CSP.
  const stamp = (res: NextResponse, cacheControl?: string): NextResponse => {
    res.headers.set(REQUEST_ID_HEADER, requestId);
    res.headers.set("Content-Security-Policy", csp);
    if (cacheControl) res.headers.set("Cache-Control", cacheControl);
    return res;
  };

  const { pathname, search } = req.nextUrl;
  const isApi = pathname.startsWith("/api/");

  // A path Next cannot decode (a stray `%zz`) would reach the router and end as
  // its bare 500; it is the client's mistake, so say so in the API's shape.
  if (!isDecodablePath(pathname)) return stamp(badPath(isApi), "no-store");

  // The OAuth endpoints never read cookies (credentials travel in the body), so a
  // browser's stray cookie must not turn their RFC 6749 answers into ours.
  const cookieBlind = OAUTH_PATHS.has(pathname);
  // A Bearer header is how API clients (no browser, no Origin) authenticate, so
  // it exempts /api/* only: page POSTs are server actions, which read the
  // cookie whatever else the request carries, so they keep the browser check.
  const bearerApiCall = isApi && /^bearer\s/i.test(req.headers.get("authorization") ?? "");
  if (!SAFE_METHODS.has(req.method) && (!isApi || (hasOurCookies(req) && !cookieBlind)) && !bearerApiCall) {
    if (!isSameOriginRequest(req)) {
      if (!AUDITED_METHODS.has(req.method)) return stamp(forbidden(), "no-store");
      // The edge has no database: a Node route records the refusal and answers the same 403.
      headers.set(CSRF_REFUSED_HEADER, pathname.slice(0, 200));
      headers.delete("next-action");
      return stamp(NextResponse.rewrite(new URL(CSRF_REFUSED_PATH, req.url), { request: { headers } }), "no-store");
    }
  }

  const guarded = isProtected(pathname);
  if (guarded) {
    const result = await verifyAccessToken(req.cookies.get(ACCESS_COOKIE)?.value);
    const target = pathname + search;
    // A server action posted from a page left open past the token's expiry: a
    // redirect here would hand the action's fetch an HTML page. Let it through;
    // the action's own session check refreshes or signs out properly.
    const isServerAction = req.method === "POST" && req.headers.has("next-action");
    if (!result.ok && !(isServerAction && result.reason === "expired")) {
      return stamp(redirectTo(result.reason === "expired" ? REFRESH_PATH : SIGN_IN_PATH, target), "no-store");
    }
    if ((pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`)) && result.claims?.role !== "ADMIN") {
      return stamp(redirectTo("/dashboard"));
    }
  }

  return stamp(NextResponse.next({ request: { headers } }), guarded ? "private, no-store" : undefined);
}

export const config = {
  matcher: [
    "/((?!_next/static|_next/image|favicon.ico|favicon.svg|robots.txt).*)",
    // Static files are skipped for speed, but a server-action POST aimed at one
    // would reach Next's action handler unchecked and end as its 500: every
    // request naming an action meets the Origin check, whatever its path.
    { source: "/:path*", has: [{ type: "header", key: "next-action" }] },
  ],
};
