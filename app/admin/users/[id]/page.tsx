import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert } from "@/components/ui/alert";
import { Card } from "@/components/ui/card";
import { AUDIT_EVENT_LABELS, getUserDetail, LOCK_DURATIONS, type AdminSessionView } from "@/lib/auth/admin";
import { isUuid } from "@/lib/validation/ids";
import { formatLockedUntil, formatWhen } from "../../format";
import { requireAdmin } from "../../require-admin";
import {
  changeRoleAction,
  deleteUserAction,
  lockUserAction,
  resendVerificationAction,
  revokeAllUserSessionsAction,
  revokeUserSessionAction,
  sendPasswordResetAction,
  unlockUserAction,
} from "./actions";
import { AdminActionButton, DeleteUserForm, LockForm, RoleForm } from "./user-admin-forms";
import { displayIp } from "@/lib/validation/ip";

export const metadata: Metadata = { title: "User" };

export const dynamic = "force-dynamic";

type Params = Promise<{ id: string }>;

const LABELS = AUDIT_EVENT_LABELS as Record<string, string>;
const DURATIONS = Object.entries(LOCK_DURATIONS).map(([value, d]) => ({ value, label: d.label }));

export default async function AdminUserPage({ params }: { params: Params }) {
  // Checked again here: the layout may not re-run, and a page must never trust it alone.
  const { actor, ctx } = await requireAdmin();
  const { id } = await params;
  // A malformed id never reaches the database (it would be a 500 there): it is simply not found.
  if (!isUuid(id)) notFound();
  const detail = await getUserDetail(actor, id, ctx);
  if (!detail) notFound();
  const { user, sessions, events } = detail;
  const self = user.id === actor.userId;
  const live = sessions.filter((s) => s.live);
  const ended = sessions.filter((s) => !s.live);

  return (
    <div className="space-y-6">
      <header className="space-y-1">
        <p className="text-sm">
          <Link href="/admin/users" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
            ← All users
          </Link>
        </p>
        <h1 className="text-2xl font-semibold tracking-tight break-all sm:text-3xl">{user.email}</h1>
        <p className="text-zinc-600 dark:text-zinc-400">
          {user.name}
          {self && " · this is you"}
        </p>
      </header>

      {user.locked && user.lockedUntil && (
        <Alert variant="warning" title="Sign-in is locked">
          {formatLockedUntil(user.lockedUntil)}.
        </Alert>
      )}

      <Card className="sm:p-6">
        <h2 className="mb-4 text-lg font-semibold">Profile</h2>
        <dl className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
          <Detail term="Email">
            <span className="break-all">{user.email}</span>
          </Detail>
          <Detail term="Name">{user.name}</Detail>
          <Detail term="Role">{user.role === "ADMIN" ? "Admin" : "User"}</Detail>
          <Detail term="Email confirmed">{user.emailVerifiedAt ? formatWhen(user.emailVerifiedAt) : "Not yet"}</Detail>
          <Detail term="Locked">{user.locked && user.lockedUntil ? formatLockedUntil(user.lockedUntil) : "No"}</Detail>
          <Detail term="Failed sign-ins in a row">{user.failedLoginCount}</Detail>
          <Detail term="Created">{formatWhen(user.createdAt)}</Detail>
          <Detail term="Last sign-in">{user.lastLoginAt ? formatWhen(user.lastLoginAt) : "Never"}</Detail>
          <Detail term="User id">
            <code className="text-xs break-all">{user.id}</code>
          </Detail>
        </dl>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card className="space-y-3 sm:p-6">
          <h2 className="text-lg font-semibold">Role</h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Takes effect on the user&apos;s next request; the last administrator cannot be demoted.
          </p>
          <RoleForm action={changeRoleAction} userId={user.id} role={user.role} />
        </Card>

        <Card className="space-y-3 sm:p-6">
          <h2 className="text-lg font-semibold">Sign-in lock</h2>
          {user.locked || user.failedLoginCount > 0 ? (
            <>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">Unlocking also clears the count of failed sign-ins.</p>
              <AdminActionButton action={unlockUserAction} fields={{ userId: user.id }} label="Unlock" pendingLabel="Unlocking…" />
            </>
          ) : null}
          {self ? (
            <p className="text-sm text-zinc-600 dark:text-zinc-400">You cannot lock your own account.</p>
          ) : (
            <>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                Locking ends every session of the user at once; a password reset by the user does not lift it.
              </p>
              <LockForm action={lockUserAction} userId={user.id} durations={DURATIONS} />
            </>
          )}
        </Card>

        <Card className="space-y-3 sm:p-6">
          <h2 className="text-lg font-semibold">Mail the user</h2>
          {!user.verified && (
            <AdminActionButton
              action={resendVerificationAction}
              fields={{ userId: user.id }}
              label="Resend confirmation code"
              pendingLabel="Sending…"
            />
          )}
          <AdminActionButton action={sendPasswordResetAction} fields={{ userId: user.id }} label="Send password-reset link" pendingLabel="Sending…" />
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            The same mails the user would get by asking; the usual per-account limits apply.
          </p>
        </Card>
      </div>

      <Card className="space-y-4 sm:p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-lg font-semibold">Sessions ({live.length} active)</h2>
          {live.length > 0 && (
            <AdminActionButton
              action={revokeAllUserSessionsAction}
              fields={{ userId: user.id }}
              label="End all sessions"
              pendingLabel="Ending sessions…"
              variant="danger"
            />
          )}
        </div>
        {sessions.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No sessions.</p>
        ) : (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Sessions">
            {[...live, ...ended].map((s) => (
              <SessionItem key={s.id} session={s} userId={user.id} />
            ))}
          </ul>
        )}
      </Card>

      <Card className="space-y-4 sm:p-6">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-lg font-semibold">Recent events</h2>
          <Link
            href={`/admin/audit?email=${encodeURIComponent(user.email)}`}
            className="text-sm font-medium text-brand-600 hover:underline dark:text-brand-400"
          >
            All events of this user →
          </Link>
        </div>
        {events.length === 0 ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">No events.</p>
        ) : (
          <ol className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Recent events">
            {events.map((e) => (
              <li key={e.id} className="flex flex-col gap-1 py-2 sm:flex-row sm:items-baseline sm:justify-between">
                <span>
                  <span className="font-medium">{LABELS[e.type] ?? e.type}</span>{" "}
                  <code className="text-xs text-zinc-500 dark:text-zinc-400">{e.type}</code>
                </span>
                <span className="text-zinc-600 dark:text-zinc-400">
                  <time dateTime={e.createdAt.toISOString()}>{formatWhen(e.createdAt, { seconds: true })}</time>
                  {e.ip && ` · ${displayIp(e.ip)}`}
                </span>
              </li>
            ))}
          </ol>
        )}
      </Card>

      <Card className="space-y-3 border-danger-600/40 sm:p-6 dark:border-danger-400/40">
        <h2 className="text-lg font-semibold text-danger-700 dark:text-danger-300">Delete account</h2>
        {self ? (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">You cannot delete your own account here.</p>
        ) : (
          <>
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Removes the account, its sessions, codes and reset links. The audit trail keeps its events (with the email
              address). This cannot be undone.
            </p>
            <DeleteUserForm action={deleteUserAction} userId={user.id} email={user.email} />
          </>
        )}
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

function SessionItem({ session: s, userId }: { session: AdminSessionView; userId: string }) {
  return (
    <li className="flex flex-col gap-3 py-3 sm:flex-row sm:items-start sm:justify-between">
      <div className="min-w-0 space-y-1 text-sm">
        <p className="font-medium">
          {s.device.label}
          {!s.live && (
            <span className="ml-2 text-xs font-normal text-zinc-500 dark:text-zinc-400">
              ended{s.revokedReason ? ` (${s.revokedReason})` : s.revokedAt ? "" : " (expired)"}
            </span>
          )}
        </p>
        <p className="text-zinc-600 dark:text-zinc-400">
          {displayIp(s.ip) ?? "Unknown IP"} · signed in {formatWhen(s.createdAt)} · last used {formatWhen(s.lastUsedAt)}
        </p>
      </div>
      {s.live && (
        <AdminActionButton
          action={revokeUserSessionAction}
          fields={{ userId, sessionId: s.id }}
          label="End session"
          pendingLabel="Ending…"
          ariaLabel={`End session ${s.device.label} from ${displayIp(s.ip) ?? "unknown IP"}`}
        />
      )}
    </li>
  );
}
