import "server-only";
import { cache } from "react";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { readAccessCookie } from "./cookies";
import { REFRESH_PATH, SIGN_IN_PATH, appOrigin } from "./constants";
import { verifyAccessToken } from "./jwt";
import { safeRedirectPath } from "./redirect";
import { validateAccessToken } from "./session";

export type CurrentUser = {
  user: { id: string; email: string; name: string; role: "USER" | "ADMIN"; emailVerifiedAt: Date | null; createdAt: Date };
  session: { id: string };
};

/** The signed-in user of this request (JWT + live session row), read once per request. */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const valid = await validateAccessToken(await readAccessCookie());
  if (!valid) return null;
  return { user: valid.session.user, session: { id: valid.session.id } };
});

/**
 * Pages, layouts and actions call this: middleware is never the only guard.
 * A genuine but expired access token (a page left open, then a form posted)
 * goes through the refresh route back to that page instead of to sign-in.
 */
export async function requireUser(): Promise<CurrentUser> {
  const current = await getCurrentUser();
  if (current) return current;
  const token = await verifyAccessToken(await readAccessCookie());
  if (!token.ok && token.reason === "expired") {
    redirect(`${REFRESH_PATH}?next=${encodeURIComponent(await currentPagePath())}`);
  }
  redirect(`${SIGN_IN_PATH}?reason=expired`);
}

/** The page a server action was posted from (same-origin Referer), else the dashboard. */
async function currentPagePath(): Promise<string> {
  const referer = (await headers()).get("referer");
  if (!referer) return safeRedirectPath(null);
  try {
    const url = new URL(referer);
    return url.origin === appOrigin() ? safeRedirectPath(url.pathname + url.search) : safeRedirectPath(null);
  } catch {
    return safeRedirectPath(null);
  }
}

export async function requireRole(role: "ADMIN"): Promise<CurrentUser> {
  const current = await requireUser();
  if (current.user.role !== role) redirect("/dashboard");
  return current;
}
