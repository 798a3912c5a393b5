import type { Metadata } from "next";
import { CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { getEnv } from "@/lib/env";
import { signUpAction } from "./actions";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account" };

// Read PASSWORD_MIN_LENGTH per request: at build time production settings are absent.
export const dynamic = "force-dynamic";

export default function SignUpPage() {
  return (
    <>
      <CardHeader>
        <CardTitle>Create your account</CardTitle>
        <CardDescription>We&apos;ll email you a 6-digit code to confirm your address.</CardDescription>
      </CardHeader>
      <SignUpForm action={signUpAction} minPasswordLength={getEnv().PASSWORD_MIN_LENGTH} />
    </>
  );
}
