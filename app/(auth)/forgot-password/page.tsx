import type { Metadata } from "next";
import { CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { forgotPasswordAction } from "./actions";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Forgot your password?" };

export default function ForgotPasswordPage() {
  return (
    <>
      <CardHeader>
        <CardTitle>Forgot your password?</CardTitle>
        <CardDescription>
          Enter the email address of your account and we&apos;ll send you a link to choose a new password.
        </CardDescription>
      </CardHeader>
      <ForgotPasswordForm action={forgotPasswordAction} />
    </>
  );
}
