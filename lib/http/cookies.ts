import "server-only";
import type { NextResponse } from "next/server";
import { ACCESS_COOKIE, REFRESH_COOKIE } from "../auth/constants";
import { accessCookieOptions, refreshCookieOptions } from "../auth/cookies";

/** Clear both session cookies on an API answer (Max-Age=0, same flags and paths they were set with). */
export function clearSessionCookies(res: NextResponse): NextResponse {
  res.cookies.set(ACCESS_COOKIE, "", { ...accessCookieOptions(), maxAge: 0 });
  res.cookies.set(REFRESH_COOKIE, "", { ...refreshCookieOptions(), maxAge: 0 });
  return res;
}
