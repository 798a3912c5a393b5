import "server-only";
import { cookies } from "next/headers";
import { getEnv } from "../env";
import { ACCESS_COOKIE, REFRESH_COOKIE, REFRESH_PATH, SECURE_COOKIES, SIGNUP_COOKIE, SIGNUP_COOKIE_MAX_AGE_SECONDS } from "./constants";
import type { TokenPair } from "./session";

/**
 * One helper per cookie. The access cookie outlives its 15-minute JWT (it lives
 * as long as an idle session) so the middleware can tell "expired, refresh me"
 * from "never signed in"; the refresh cookie is only sent to the refresh route.
 */
export function accessCookieOptions() {
  return { httpOnly: true, secure: SECURE_COOKIES, sameSite: "lax" as const, path: "/", maxAge: getEnv().SESSION_IDLE_TTL_SECONDS };
}
export function refreshCookieOptions() {
  return {
    httpOnly: true,
    secure: SECURE_COOKIES,
    sameSite: "lax" as const,
    path: REFRESH_PATH,
    maxAge: getEnv().SESSION_IDLE_TTL_SECONDS,
  };
}

export async function setSessionCookies(tokens: Pick<TokenPair, "accessToken" | "refreshToken">): Promise<void> {
  const jar = await cookies();
  jar.set(ACCESS_COOKIE, tokens.accessToken, accessCookieOptions());
  jar.set(REFRESH_COOKIE, tokens.refreshToken, refreshCookieOptions());
}

export async function deleteSessionCookies(): Promise<void> {
  const jar = await cookies();
  jar.set(ACCESS_COOKIE, "", { ...accessCookieOptions(), maxAge: 0 });
  jar.set(REFRESH_COOKIE, "", { ...refreshCookieOptions(), maxAge: 0 });
}

export async function readAccessCookie(): Promise<string | undefined> {
  return (await cookies()).get(ACCESS_COOKIE)?.value;
}

/**
 * The signup secret of a pending account: whoever holds it chose the account's
 * password, so the mailed code signs in only the browser that has it.
 */
export async function setSignupCookie(registration: string): Promise<void> {
  (await cookies()).set(SIGNUP_COOKIE, registration, {
    httpOnly: true,
    secure: SECURE_COOKIES,
    sameSite: "lax",
    path: "/",
    maxAge: SIGNUP_COOKIE_MAX_AGE_SECONDS,
  });
}

export async function readSignupCookie(): Promise<string | undefined> {
  return (await cookies()).get(SIGNUP_COOKIE)?.value;
}

export async function deleteSignupCookie(): Promise<void> {
  (await cookies()).set(SIGNUP_COOKIE, "", { httpOnly: true, secure: SECURE_COOKIES, sameSite: "lax", path: "/", maxAge: 0 });
}
