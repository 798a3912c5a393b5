"use server";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/current-user";
import { type Actor, changeName, changePassword, confirmEmailChange, requestEmailChange } from "@/lib/auth/profile";
import { validatedAction } from "@/lib/auth/validated-action";
import { getEnv } from "@/lib/env";
import {
  changeEmailSchema,
  changeNameSchema,
  changePasswordSchemaFor,
  confirmEmailChangeSchema,
} from "@/lib/validation/account";

const PROFILE_PATH = "/account/profile";

// Each action checks the session row itself: middleware and layouts are never the only guard.
async function requireActor(): Promise<Actor> {
  const { user, session } = await requireUser();
  return { userId: user.id, sessionId: session.id };
}

/** Save a new display name. */
export const changeNameAction = validatedAction(changeNameSchema, async (data, ctx) => {
  const actor = await requireActor();
  const { name } = await changeName(actor, data, ctx);
  revalidatePath(PROFILE_PATH);
  return { status: "success", message: "Your name was saved.", values: { name } };
});

/** Change the password (current one required); other devices are signed out, this one stays. */
export const changePasswordAction = validatedAction(
  () => changePasswordSchemaFor(getEnv().PASSWORD_MIN_LENGTH),
  async (data, ctx) => {
    const actor = await requireActor();
    const { revokedSessions } = await changePassword(actor, data, ctx);
    const others =
      revokedSessions === 0
        ? "No other device was signed in."
        : `${revokedSessions} other ${revokedSessions === 1 ? "session was" : "sessions were"} signed out.`;
    return { status: "success", message: `Your password was changed. ${others}` };
  },
);

/** Send a code to the new address; the address changes only once that code is entered. */
export const requestEmailChangeAction = validatedAction(changeEmailSchema, async (data, ctx) => {
  const actor = await requireActor();
  const { pendingEmail, expiresInMinutes } = await requestEmailChange(actor, data, ctx);
  revalidatePath(PROFILE_PATH);
  return {
    status: "success",
    message: `We sent a 6-digit code to ${pendingEmail}. Enter it below within ${expiresInMinutes} minutes to confirm the change.`,
  };
});

/** Confirm the new address with its code. */
export const confirmEmailChangeAction = validatedAction(confirmEmailChangeSchema, async (data, ctx) => {
  const actor = await requireActor();
  await confirmEmailChange(actor, data, ctx);
  // The code form goes away with the pending change: the page itself says what happened.
  redirect(`${PROFILE_PATH}?updated=email`);
});
