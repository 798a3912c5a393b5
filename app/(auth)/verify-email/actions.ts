"use server";
import { redirect } from "next/navigation";
import { resendVerificationCode, verifyEmail } from "@/lib/auth/accounts";
import { setSessionCookies } from "@/lib/auth/cookies";
import { DEFAULT_AFTER_SIGN_IN } from "@/lib/auth/constants";
import { validatedAction } from "@/lib/auth/validated-action";
import { resendCodeSchema, verifyEmailSchema } from "@/lib/validation/auth";

/** Check the code; success marks the address verified and signs the person in. */
export const verifyEmailAction = validatedAction(verifyEmailSchema, async (data, ctx) => {
  const tokens = await verifyEmail(data, ctx);
  await setSessionCookies(tokens);
  redirect(DEFAULT_AFTER_SIGN_IN);
});

/** Mail a new code, within the resend limits; tells the form how long to wait. */
export const resendCodeAction = validatedAction(resendCodeSchema, async (data, ctx) => {
  const { retryAfter } = await resendVerificationCode(data.email, ctx);
  return { status: "success", message: "If this address is waiting for a code, a new one is on its way.", retryAfter };
});
