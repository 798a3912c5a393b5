"use server";
import { redirect } from "next/navigation";
import { recordEvent } from "@/lib/data/audit";
import { deleteSessionCookies } from "@/lib/auth/cookies";
import { getCurrentUser } from "@/lib/auth/current-user";
import { getRequestContext } from "@/lib/auth/request-context";
import { invalidateUserSessions, revokeSession } from "@/lib/auth/session";

/** Sign out this device: revoke the session server-side and clear both cookies. */
export async function signOutAction(): Promise<void> {
  const current = await getCurrentUser();
  if (current) {
    await revokeSession(current.session.id, "sign-out");
    await recordEvent("logout", await getRequestContext(), { userId: current.user.id, email: current.user.email });
  }
  await deleteSessionCookies();
  redirect("/sign-in?reason=signed-out");
}

/** Sign out everywhere: revoke every session of the user. */
export async function signOutEverywhereAction(): Promise<void> {
  const current = await getCurrentUser();
  if (current) {
    const count = await invalidateUserSessions(current.user.id, "sign-out-everywhere");
    await recordEvent("session_revoked_all", await getRequestContext(), {
      userId: current.user.id,
      email: current.user.email,
      detail: { count },
    });
  }
  await deleteSessionCookies();
  redirect("/sign-in?reason=signed-out");
}
