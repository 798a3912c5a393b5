import "server-only";
import { cache } from "react";
import { redirect } from "next/navigation";
import { readAccessCookie } from "./cookies";
import { validateAccessToken } from "./session";
import { SIGN_IN_PATH } from "./constants";

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

/** Pages, layouts and actions call this: middleware is never the only guard. */
export async function requireUser(): Promise<CurrentUser> {
  const current = await getCurrentUser();
  if (!current) redirect(`${SIGN_IN_PATH}?reason=expired`);
  return current;
}

export async function requireRole(role: "ADMIN"): Promise<CurrentUser> {
  const current = await requireUser();
  if (current.user.role !== role) redirect("/dashboard");
  return current;
}
