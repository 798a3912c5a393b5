"use server";
import { redirect } from "next/navigation";
import { recordEvent } from "@/lib/data/audit";
import { deleteSessionCookies, readAccessCookie } from "@/lib/auth/cookies";
import { getRequestContext } from "@/lib/auth/request-context";
import { invalidateUserSessions, revokeSession, sessionForSignOut } from "@/lib/auth/session";

/** Sign out this device: revoke the session server-side and clear both cookies. */
export async function signOutAction(): Promise<void> {
  const session = await sessionForSignOut(await readAccessCookie());
  if (session) {
    await revokeSession(session.id, "sign-out");
    await recordEvent("logout", await getRequestContext(), { userId: session.userId, email: session.user.email });
  }
  await deleteSessionCookies();
  redirect("/sign-in?reason=signed-out");
}

/** Sign out everywhere: revoke every session of the user. */
export async function signOutEverywhereAction(): Promise<void> {
  const session = await sessionForSignOut(await readAccessCookie());
  if (session) {
    const count = await invalidateUserSessions(session.userId, "sign-out-everywhere");
    await recordEvent("session_revoked_all", await getRequestContext(), {
      userId: session.userId,
      email: session.user.email,
      detail: { count },
    });
  }
  await deleteSessionCookies();
  redirect("/sign-in?reason=signed-out");
}
