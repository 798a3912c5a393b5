"use server";
import { redirect } from "next/navigation";
import { registerAccount } from "@/lib/auth/accounts";
import { setSignupCookie } from "@/lib/auth/cookies";
import { validatedAction } from "@/lib/auth/validated-action";
import { getEnv } from "@/lib/env";
import { newPasswordSchema, signUpSchema } from "@/lib/validation/auth";

/** Create the account (or quietly notify the owner of a taken address), then ask for the code. */
export const signUpAction = validatedAction(
  () => signUpSchema.extend({ password: newPasswordSchema(getEnv().PASSWORD_MIN_LENGTH) }),
  async (data, ctx) => {
    const { email, registration } = await registerAccount(data, ctx);
    // Only this browser can finish signing in with the mailed code.
    await setSignupCookie(registration);
    redirect(`/verify-email?email=${encodeURIComponent(email)}`);
  },
);
