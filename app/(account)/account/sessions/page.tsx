import type { Metadata } from "next";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/current-user";
import { listSessions, type SessionView } from "@/lib/auth/profile";
import { revokeOtherSessionsAction, revokeSessionAction } from "./actions";
import { RevokeOtherSessionsButton, RevokeSessionButton } from "./session-actions";
import { displayIp } from "@/lib/validation/ip";

export const metadata: Metadata = { title: "Sessions" };

export const dynamic = "force-dynamic";

// UTC, so server render and any later client render agree.
const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

export default async function SessionsPage() {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { user, session } = await requireUser();
  const sessions = await listSessions({ userId: user.id, sessionId: session.id });
  const others = sessions.filter((s) => !s.current).length;

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">Sessions</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          Where your account is signed in. Sign out any session you don&apos;t recognise, then change your password.
        </p>
      </header>

      <ul className="space-y-3" aria-label="Active sessions">
        {sessions.map((s) => (
          <li key={s.id}>
            <SessionCard session={s} />
          </li>
        ))}
      </ul>

      {others > 0 && (
        <Card className="space-y-3 sm:p-6">
          <h2 className="text-lg font-semibold">Sign out everywhere else</h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Ends the {others === 1 ? "other session" : `${others} other sessions`}; this device stays signed in.
          </p>
          <RevokeOtherSessionsButton action={revokeOtherSessionsAction} />
        </Card>
      )}
    </div>
  );
}

function SessionCard({ session: s }: { session: SessionView }) {
  return (
    <Card className="flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between sm:p-6">
      <div className="min-w-0 space-y-2">
        <p className="flex flex-wrap items-center gap-2 font-semibold">
          <span className="break-words">{s.device.label}</span>
          {s.device.type && <span className="text-sm font-normal text-zinc-600 dark:text-zinc-400">({s.device.type})</span>}
          {s.current && (
            <span className="rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700 dark:bg-brand-950 dark:text-brand-300">
              This device
            </span>
          )}
        </p>
        <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          <dt className="text-zinc-500 dark:text-zinc-400">IP address</dt>
          <dd className="break-all">{displayIp(s.ip) ?? "Unknown"}</dd>
          <dt className="text-zinc-500 dark:text-zinc-400">Signed in</dt>
          <dd>
            <time dateTime={s.createdAt.toISOString()}>{when.format(s.createdAt)} UTC</time>
          </dd>
          <dt className="text-zinc-500 dark:text-zinc-400">Last used</dt>
          <dd>
            <time dateTime={s.lastUsedAt.toISOString()}>{when.format(s.lastUsedAt)} UTC</time>
          </dd>
        </dl>
      </div>
      {s.current ? (
        <p className="text-sm text-zinc-600 sm:text-right dark:text-zinc-400">Use &ldquo;Sign out&rdquo; in the menu to end this one.</p>
      ) : (
        <RevokeSessionButton action={revokeSessionAction} sessionId={s.id} device={s.device.label} />
      )}
    </Card>
  );
}
