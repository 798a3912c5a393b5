"use server";
import { redirect } from "next/navigation";
import { resendVerificationCode, verifyEmail } from "@/lib/auth/accounts";
import { deleteSignupCookie, readSignupCookie, setSessionCookies } from "@/lib/auth/cookies";
import { DEFAULT_AFTER_SIGN_IN } from "@/lib/auth/constants";
import { validatedAction } from "@/lib/auth/validated-action";
import { resendCodeSchema, verifyEmailSchema } from "@/lib/validation/auth";

/**
 * Check the code; success marks the address verified and signs in the browser
 * that signed up (it holds the signup cookie). Another browser gets the
 * address confirmed and a mailed link to choose the password.
 */
export const verifyEmailAction = validatedAction(verifyEmailSchema, async (data, ctx) => {
  const result = await verifyEmail({ ...data, registration: await readSignupCookie() }, ctx);
  await deleteSignupCookie();
  if (result.status === "set-password") return { status: "success", message: result.message };
  await setSessionCookies(result.tokens);
  redirect(DEFAULT_AFTER_SIGN_IN);
});

/** Mail a new code, within the resend limits; tells the form how long to wait. */
export const resendCodeAction = validatedAction(resendCodeSchema, async (data, ctx) => {
  const { retryAfter } = await resendVerificationCode(data.email, ctx);
  return { status: "success", message: "If this address is waiting for a code, a new one is on its way.", retryAfter };
});
