"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { deleteSessionCookies } from "@/lib/auth/cookies";
import { requireUser } from "@/lib/auth/current-user";
import { type Actor, revokeOtherSessions, revokeOwnSession } from "@/lib/auth/profile";
import { validatedAction } from "@/lib/auth/validated-action";
import { revokeOtherSessionsSchema, revokeSessionSchema } from "@/lib/validation/account";

const SESSIONS_PATH = "/account/sessions";

// Each action checks the session row itself: middleware and layouts are never the only guard.
async function requireActor(): Promise<Actor> {
  const { user, session } = await requireUser();
  return { userId: user.id, sessionId: session.id };
}

/** Sign out one of your own sessions (another user's id is "not found"). */
export const revokeSessionAction = validatedAction(revokeSessionSchema, async (data, ctx) => {
  const actor = await requireActor();
  const { current } = await revokeOwnSession(actor, data.sessionId, ctx);
  if (current) {
    await deleteSessionCookies();
    redirect("/sign-in?reason=signed-out");
  }
  revalidatePath(SESSIONS_PATH);
  return { status: "success", message: "That session was signed out." };
});

/** Sign out every session except this device. */
export const revokeOtherSessionsAction = validatedAction(revokeOtherSessionsSchema, async (_data, ctx) => {
  const actor = await requireActor();
  const { count } = await revokeOtherSessions(actor, ctx);
  revalidatePath(SESSIONS_PATH);
  return {
    status: "success",
    message: count === 1 ? "1 other session was signed out." : `${count} other sessions were signed out.`,
  };
});
