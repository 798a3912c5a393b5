import { cookies } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import { accessCookieOptions, refreshCookieOptions } from "@/lib/auth/cookies";
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_PATH, SIGN_IN_PATH } from "@/lib/auth/constants";
import { safeRedirectPath } from "@/lib/auth/redirect";
import { isSameOriginRequest } from "@/lib/auth/origin";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { csrfRefusedResponse, recordCsrfRefusal } from "@/lib/auth/csrf";
import { refreshSession } from "@/lib/auth/session";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * GET never changes state: it answers a tiny page that POSTs back here (auto-
 * submitted, with a button for no-JS browsers). The middleware sends browsers
 * here when their access token expired.
 */
export async function GET(req: NextRequest): Promise<Response> {
  const next = safeRedirectPath(req.nextUrl.searchParams.get("next"));
  // The middleware's CSP allows only scripts carrying this response's nonce.
  const nonce = escapeHtml(req.headers.get("x-nonce") ?? "");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Signing you back in…</title><meta name="robots" content="noindex"></head>
<body style="font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh">
<form id="refresh" method="post" action="${REFRESH_PATH}"><input type="hidden" name="next" value="${escapeHtml(next)}">
<p>Signing you back in…</p><noscript><button type="submit">Continue</button></noscript></form>
<script nonce="${nonce}">document.getElementById("refresh").submit()</script></body></html>`;
  return new Response(html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" },
  });
}

/** Rotate the refresh cookie and go back to where the browser was going. */
export async function POST(req: NextRequest): Promise<Response> {
  // A cookie-authenticated write: checked here too, the middleware is never the only guard.
  if (!isSameOriginRequest(req)) {
    await recordCsrfRefusal(req.headers, REFRESH_PATH);
    return csrfRefusedResponse();
  }
  let nextRaw: string | null = null;
  try {
    const form = await req.formData();
    const v = form.get("next");
    nextRaw = typeof v === "string" ? v : null;
  } catch {
    nextRaw = null;
  }
  const next = safeRedirectPath(nextRaw);
  const base = getEnv().APP_URL;
  const jar = await cookies();
  const token = jar.get(REFRESH_COOKIE)?.value;
  const result = token ? await refreshSession(token, contextFromHeaders(req.headers)) : ({ ok: false } as const);
  if (!result.ok) {
    const url = new URL(SIGN_IN_PATH, base);
    url.searchParams.set("next", next);
    url.searchParams.set("reason", "expired");
    const res = NextResponse.redirect(url, 303);
    res.cookies.set(ACCESS_COOKIE, "", { ...accessCookieOptions(), maxAge: 0 });
    res.cookies.set(REFRESH_COOKIE, "", { ...refreshCookieOptions(), maxAge: 0 });
    res.headers.set("Cache-Control", "no-store");
    return res;
  }
  const res = NextResponse.redirect(new URL(next, base), 303);
  res.cookies.set(ACCESS_COOKIE, result.tokens.accessToken, accessCookieOptions());
  res.cookies.set(REFRESH_COOKIE, result.tokens.refreshToken, refreshCookieOptions());
  res.headers.set("Cache-Control", "no-store");
  return res;
}
