import type { NextRequest } from "next/server";
import { appOrigin } from "./constants";

/**
 * The one CSRF origin check (edge-safe), used by the middleware and again by
 * cookie-authenticated route handlers. A write counts as same-site when its
 * Origin is the app's own (APP_URL), or, for browsers that omit Origin, when
 * Sec-Fetch-Site says same-origin. `Origin: null` never passes.
 */
export function isSameOriginRequest(req: NextRequest): boolean {
  const allowed = new Set([appOrigin()]);
  if (process.env.NODE_ENV !== "production") {
    // Development convenience: `next dev` is reached as localhost or 127.0.0.1
    // whatever APP_URL says. Only loopback hosts, so a rebinding name can't pass.
    const host = req.headers.get("host");
    if (host && /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host)) allowed.add(`${req.nextUrl.protocol}//${host}`);
  }
  const origin = req.headers.get("origin");
  if (origin) return origin !== "null" && allowed.has(origin);
  return req.headers.get("sec-fetch-site") === "same-origin";
}
