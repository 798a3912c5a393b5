"use server";
import { redirect } from "next/navigation";
import { deleteSessionCookies } from "@/lib/auth/cookies";
import { AuthError } from "@/lib/auth/errors";
import { resetPassword } from "@/lib/auth/recovery";
import { validatedAction } from "@/lib/auth/validated-action";
import { getEnv } from "@/lib/env";
import { resetPasswordSchemaFor } from "@/lib/validation/account";

/**
 * Spend the link's token and set the new password. Success never signs in: it
 * clears this browser's cookies (every session was just revoked) and sends the
 * person to sign in with the new password. A dead link shows the "request a new
 * one" page.
 */
export const resetPasswordAction = validatedAction(
  () => resetPasswordSchemaFor(getEnv().PASSWORD_MIN_LENGTH),
  async (data, ctx) => {
    try {
      await resetPassword(data, ctx);
    } catch (err) {
      if (err instanceof AuthError && err.code === "invalid-token") redirect("/reset-password?link=invalid");
      throw err;
    }
    await deleteSessionCookies();
    redirect("/sign-in?reason=password-reset");
  },
);
