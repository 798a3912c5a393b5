"use server";
import { requestPasswordReset } from "@/lib/auth/recovery";
import { validatedAction } from "@/lib/auth/validated-action";
import { forgotPasswordSchema } from "@/lib/validation/account";

/** Ask for a reset link. The answer is the same whether or not the address has an account. */
export const forgotPasswordAction = validatedAction(forgotPasswordSchema, async (data, ctx) => {
  const { message } = await requestPasswordReset(data.email, ctx);
  return { status: "success", message };
});
