import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/current-user";
import { listActivity } from "@/lib/auth/profile";
import { activityPageSchema } from "@/lib/validation/account";
import { displayIp } from "@/lib/validation/ip";

export const metadata: Metadata = { title: "Activity" };

export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// What each event means to the person; a type missing here shows as its code.
const LABELS = new Map<string, string>([
  ["user_created", "Account created"],
  ["user_signup_existing_email", "Someone tried to sign up with your address"],
  ["authn_email_verified", "Email address confirmed"],
  ["authn_otp_sent", "Confirmation code sent"],
  ["authn_otp_fail", "Wrong code entered"],
  ["authn_otp_fail_max", "Too many wrong codes"],
  ["authn_login_success", "Signed in"],
  ["authn_login_fail", "Failed sign-in"],
  ["authn_login_fail_max", "Sign-in refused: account locked"],
  ["authn_login_lock", "Sign-in locked after repeated failures"],
  ["authn_login_unverified", "Signed in before confirming the address"],
  ["authn_password_change", "Password changed"],
  ["authn_password_change_fail", "Wrong current password entered"],
  ["authn_password_reset_request", "Password reset requested"],
  ["authn_password_reset", "Password reset"],
  ["authn_password_reset_fail", "Expired or used reset link submitted"],
  ["authn_token_refreshed", "Session refreshed"],
  ["authn_token_reuse", "Session ended: a stolen token was replayed"],
  ["session_expired", "Session expired"],
  ["session_revoked", "Session signed out"],
  ["session_revoked_all", "Signed out everywhere"],
  ["session_revoked_others", "Other sessions signed out"],
  ["logout", "Signed out"],
  ["user_updated", "Profile updated"],
  ["user_email_change_request", "Email change requested"],
  ["user_email_changed", "Email address changed"],
  ["rate_limit_exceeded", "Too many attempts"],
]);

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export default async function ActivityPage({ searchParams }: { searchParams: SearchParams }) {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { user, session } = await requireUser();
  const raw = (await searchParams).page;
  const page = activityPageSchema.parse(Array.isArray(raw) ? raw[0] : raw);
  const activity = await listActivity({ userId: user.id, sessionId: session.id }, { page });

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Activity</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          Recent security events of your account, newest first. Times are in UTC.
        </p>
      </header>

      <Card className="p-0 sm:p-0">
        {activity.items.length === 0 ? (
          <p className="p-5 text-sm text-zinc-600 sm:p-6 dark:text-zinc-400">
            {activity.page === 1 ? "No activity yet." : "No more activity."}
          </p>
        ) : (
          <ol className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Account activity">
            {activity.items.map((e) => (
              <li key={e.id} className="flex flex-col gap-1 px-5 py-3 sm:flex-row sm:items-baseline sm:justify-between sm:px-6">
                <span className="font-medium">{LABELS.get(e.type) ?? e.type}</span>
                <span className="text-sm text-zinc-600 dark:text-zinc-400">
                  <time dateTime={e.createdAt.toISOString()}>{when.format(e.createdAt)}</time>
                  {" · "}
                  {e.device.label}
                  {e.ip && ` · ${displayIp(e.ip)}`}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Card>

      {(activity.hasPrevious || activity.hasNext) && (
        <nav aria-label="Activity pages" className="flex items-center justify-between gap-4 text-sm">
          {activity.hasPrevious ? (
            <Link
              href={activity.page === 2 ? "/account/activity" : `/account/activity?page=${activity.page - 1}`}
              rel="prev"
              className="font-medium text-brand-600 hover:underline dark:text-brand-400"
            >
              ← Newer
            </Link>
          ) : (
            <span />
          )}
          <span className="text-zinc-600 dark:text-zinc-400">Page {activity.page}</span>
          {activity.hasNext ? (
            <Link
              href={`/account/activity?page=${activity.page + 1}`}
              rel="next"
              className="font-medium text-brand-600 hover:underline dark:text-brand-400"
            >
              Older →
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}
