import type { Metadata } from "next";
import { headers } from "next/headers";
import { CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { emailSchema } from "@/lib/validation/auth";
import { resendCodeAction, verifyEmailAction } from "./actions";
import { VerifyEmailForm } from "./verify-email-form";

export const metadata: Metadata = { title: "Confirm your email" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).email;
  // Only a well-formed address is echoed on the page; anything else and the form asks for it.
  const parsed = emailSchema.safeParse(Array.isArray(raw) ? raw[0] : raw);
  const email = parsed.success ? parsed.data : undefined;
  const nonce = (await headers()).get("x-nonce") ?? undefined;

  return (
    <>
      <CardHeader>
        <CardTitle>Check your email</CardTitle>
        <CardDescription>
          {email ? (
            <>
              We sent a 6-digit code to <strong className="wrap-anywhere text-zinc-900 dark:text-zinc-100">{email}</strong>.
              Enter it below to confirm your address.
            </>
          ) : (
            "Enter your email address and the 6-digit code we sent you."
          )}
        </CardDescription>
      </CardHeader>
      <VerifyEmailForm action={verifyEmailAction} resendAction={resendCodeAction} email={email} nonce={nonce} />
    </>
  );
}
