import type { Metadata } from "next";
import { headers } from "next/headers";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/current-user";
import { getPendingEmailChange } from "@/lib/auth/profile";
import { getEnv } from "@/lib/env";
import {
  changeNameAction,
  changePasswordAction,
  confirmEmailChangeAction,
  requestEmailChangeAction,
} from "./actions";
import { ChangeEmailForm } from "./change-email-form";
import { ChangeNameForm } from "./change-name-form";
import { ChangePasswordForm } from "./change-password-form";
import { ConfirmEmailChangeForm } from "./confirm-email-form";

export const metadata: Metadata = { title: "Profile" };

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Only known values map to text: the query string is never shown as-is.
const UPDATES = new Map<string, string>([["email", "Your email address was changed. A notice went to the old address."]]);

export default async function ProfilePage({ searchParams }: { searchParams: SearchParams }) {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { user, session } = await requireUser();
  const pending = await getPendingEmailChange({ userId: user.id, sessionId: session.id });
  const updated = (await searchParams).updated;
  const notice = typeof updated === "string" ? UPDATES.get(updated) : undefined;
  const nonce = (await headers()).get("x-nonce") ?? undefined;

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Profile</h1>
        <p className="text-zinc-600 dark:text-zinc-400">Your name, email address and password.</p>
      </header>

      {notice && <Alert variant="success">{notice}</Alert>}

      <Card className="space-y-4 sm:p-6">
        <h2 className="text-lg font-semibold">Name</h2>
        <ChangeNameForm action={changeNameAction} name={user.name} />
      </Card>

      <Card className="space-y-4 sm:p-6">
        <div className="space-y-1">
          <h2 className="text-lg font-semibold">Email address</h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Currently <strong className="break-all text-zinc-900 dark:text-zinc-100">{user.email}</strong>. A new address
            takes effect once you enter the code we send to it.
          </p>
        </div>
        {pending && (
          <ConfirmEmailChangeForm
            key={pending.email}
            action={confirmEmailChangeAction}
            pendingEmail={pending.email}
            nonce={nonce}
          />
        )}
        <div className={pending ? "border-t border-zinc-200 pt-4 dark:border-zinc-800" : undefined}>
          {pending && <h3 className="mb-3 text-sm font-semibold">Use a different address</h3>}
          <ChangeEmailForm action={requestEmailChangeAction} />
        </div>
      </Card>

      <Card className="space-y-4 sm:p-6">
        <h2 className="text-lg font-semibold">Password</h2>
        <ChangePasswordForm
          action={changePasswordAction}
          email={user.email}
          name={user.name}
          minPasswordLength={getEnv().PASSWORD_MIN_LENGTH}
        />
      </Card>
    </div>
  );
}
