import type { Metadata } from "next";
import Link from "next/link";
import { CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { checkResetToken } from "@/lib/auth/recovery";
import { getEnv } from "@/lib/env";
import { resetPasswordAction } from "./actions";
import { ResetPasswordForm } from "./reset-password-form";

// The URL carries a secret: besides the Referrer-Policy header (next.config.ts),
// a meta tag keeps it off other sites even if a proxy drops that header. same-origin,
// not no-referrer, which makes the browser post this page's form with `Origin: null`.
export const metadata: Metadata = { title: "Choose a new password", referrer: "same-origin" };

// Per request: the token's state changes, and PASSWORD_MIN_LENGTH is a run-time setting.
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Opening the link only shows the form: this GET reads the token's state and
 * never spends it, so mail scanners that prefetch links cannot burn it.
 */
export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const token = first((await searchParams).token);
  const check = await checkResetToken(token);
  if (!token || !check.valid) return <InvalidLink />;

  return (
    <>
      <CardHeader>
        <CardTitle>Choose a new password</CardTitle>
        <CardDescription>
          After the change you will be signed out everywhere and asked to sign in with the new password.
        </CardDescription>
      </CardHeader>
      <ResetPasswordForm
        action={resetPasswordAction}
        token={token}
        email={check.email}
        minPasswordLength={getEnv().PASSWORD_MIN_LENGTH}
      />
    </>
  );
}

/** One page for every dead link: expired, used, replaced by a newer one or mangled. */
function InvalidLink() {
  return (
    <>
      <CardHeader>
        <CardTitle>This link is no longer valid — request a new one</CardTitle>
        <CardDescription>
          Reset links work once and expire after 30 minutes, and only the newest link you asked for works.
        </CardDescription>
      </CardHeader>
      <div className="space-y-4">
        <Link
          href="/forgot-password"
          className="inline-flex min-h-11 w-full items-center justify-center rounded-md bg-brand-600 px-4 py-2.5 text-sm font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 dark:bg-brand-500 dark:hover:bg-brand-600"
        >
          Request a new link
        </Link>
        <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
          Remembered your password?{" "}
          <Link href="/sign-in" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
            Sign in
          </Link>
        </p>
      </div>
    </>
  );
}
