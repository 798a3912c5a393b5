"use server";
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/accounts";
import { setSessionCookies } from "@/lib/auth/cookies";
import { safeRedirectPath } from "@/lib/auth/redirect";
import { validatedAction } from "@/lib/auth/validated-action";
import { signInSchema } from "@/lib/validation/auth";

/** Password sign-in; lands on a safe `next` path or the dashboard. */
export const signInAction = validatedAction(signInSchema, async (data, ctx, raw) => {
  const result = await signIn(data, ctx);
  if (result.status === "verify-email") redirect(`/verify-email?email=${encodeURIComponent(result.email)}`);
  await setSessionCookies(result.tokens);
  redirect(safeRedirectPath(raw.next));
});
