import type { Metadata } from "next";
import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/current-user";
import { SignOutButtons } from "../sign-out-buttons";

export const metadata: Metadata = { title: "Dashboard" };

export const dynamic = "force-dynamic";

// UTC, so server render and any later client render agree on the day.
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

export default async function DashboardPage() {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { user } = await requireUser();
  const verified = user.emailVerifiedAt !== null;

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Hello, {user.name}</h1>
        <p className="text-zinc-600 dark:text-zinc-400">Here is your account at a glance.</p>
      </header>

      {!verified && (
        <Alert variant="warning" title="Your email address is not confirmed yet">
          <Link href={`/verify-email?email=${encodeURIComponent(user.email)}`} className="font-medium underline">
            Confirm it with a code
          </Link>
        </Alert>
      )}

      <Card className="sm:p-6">
        <h2 className="mb-4 text-lg font-semibold">Your account</h2>
        <dl className="grid gap-4 text-sm sm:grid-cols-2">
          <Detail term="Email">
            <span className="break-all">{user.email}</span>
          </Detail>
          <Detail term="Role">{user.role === "ADMIN" ? "Administrator" : "Member"}</Detail>
          <Detail term="Email confirmed">
            {verified ? (
              <span className="text-success-600 dark:text-success-400">Yes</span>
            ) : (
              <span className="text-warning-700 dark:text-warning-300">Not yet</span>
            )}
          </Detail>
          <Detail term="Member since">
            <time dateTime={user.createdAt.toISOString()}>{dateFormat.format(user.createdAt)}</time>
          </Detail>
        </dl>
      </Card>

      <div className="grid gap-4 sm:grid-cols-2">
        <QuickLink href="/account/profile" title="Profile" text="Change your name, email address or password." />
        <QuickLink href="/account/sessions" title="Sessions" text="See where you are signed in and end sessions." />
      </div>

      <Card className="sm:p-6">
        <h2 className="text-lg font-semibold">Sign out</h2>
        <p className="mt-1 mb-4 text-sm text-zinc-600 dark:text-zinc-400">
          &ldquo;Sign out everywhere&rdquo; ends every session of this account, on all devices.
        </p>
        <SignOutButtons className="flex flex-col gap-2 sm:flex-row" />
      </Card>
    </div>
  );
}

function Detail({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-zinc-500 dark:text-zinc-400">{term}</dt>
      <dd className="mt-0.5 font-medium">{children}</dd>
    </div>
  );
}

function QuickLink({ href, title, text }: { href: string; title: string; text: string }) {
  return (
    <Link
      href={href}
      className="block rounded-xl border border-zinc-200 bg-white p-5 transition-colors hover:border-brand-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 dark:border-zinc-800 dark:bg-zinc-900 dark:hover:border-brand-400"
    >
      <span className="font-semibold">{title}</span>
      <span className="mt-1 block text-sm text-zinc-600 dark:text-zinc-400">{text}</span>
    </Link>
  );
}
