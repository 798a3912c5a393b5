"use server";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/accounts";
import { setSessionCookies, setSignupCookie } from "@/lib/auth/cookies";
import { safeRedirectPath } from "@/lib/auth/redirect";
import { validatedAction } from "@/lib/auth/validated-action";
import { signInSchema } from "@/lib/validation/auth";

/**
 * Password sign-in; lands on a safe `next` path or the dashboard.
 *
 * The form submitted by script (React sends `Next-Action`) gets the target back
 * and navigates itself: redirect() in an action makes Next render the target
 * page into this answer, which was a third of a sign-in's non-bcrypt CPU
 * (bench/README.md). Without JavaScript the browser posts the form and
 * follows an ordinary redirect.
 */
export const signInAction = validatedAction(signInSchema, async (data, ctx, raw) => {
  const result = await signIn(data, ctx);
  let target: string;
  if (result.status === "verify-email") {
    await setSignupCookie(result.registration); // the right password: this browser may finish with the code
    target = `/verify-email?email=${encodeURIComponent(result.email)}`;
  } else {
    await setSessionCookies(result.tokens);
    target = safeRedirectPath(raw.next);
  }
  if ((await headers()).has("next-action")) return { status: "success", redirectTo: target };
  redirect(target);
});
