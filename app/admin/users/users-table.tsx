import Link from "next/link";
import { formatWhen } from "../format";

export type UsersTableRow = {
  id: string;
  email: string;
  name: string;
  role: "USER" | "ADMIN";
  verified: boolean;
  locked: boolean;
  lockedUntil: Date | null;
  createdAt: Date;
  lastLoginAt: Date | null;
};

function Badge({ tone, children }: { tone: "neutral" | "brand" | "danger" | "warning" | "success"; children: React.ReactNode }) {
  const tones = {
    neutral: "bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
    brand: "bg-brand-50 text-brand-700 dark:bg-brand-950 dark:text-brand-300",
    danger: "bg-danger-50 text-danger-700 dark:bg-danger-950 dark:text-danger-300",
    warning: "bg-warning-50 text-warning-700 dark:bg-warning-950 dark:text-warning-300",
    success: "bg-success-50 text-success-600 dark:bg-success-950 dark:text-success-300",
  } as const;
  return <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>{children}</span>;
}

/** The users list: one row per user, the email links to the user's page. States are words, not only colours. */
export function UsersTable({ users }: { users: UsersTableRow[] }) {
  if (users.length === 0) {
    return <p className="p-5 text-sm text-zinc-600 sm:p-6 dark:text-zinc-400">No users match these filters.</p>;
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[48rem] text-left text-sm">
        <caption className="sr-only">Users, newest first</caption>
        <thead className="border-b border-zinc-200 text-xs text-zinc-500 uppercase dark:border-zinc-800 dark:text-zinc-400">
          <tr>
            <th scope="col" className="px-4 py-3 font-medium">Email</th>
            <th scope="col" className="px-4 py-3 font-medium">Name</th>
            <th scope="col" className="px-4 py-3 font-medium">Role</th>
            <th scope="col" className="px-4 py-3 font-medium">Verified</th>
            <th scope="col" className="px-4 py-3 font-medium">Locked</th>
            <th scope="col" className="px-4 py-3 font-medium">Created</th>
            <th scope="col" className="px-4 py-3 font-medium">Last sign-in</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {users.map((u) => (
            <tr key={u.id}>
              <td className="max-w-[18rem] truncate px-4 py-3">
                <Link href={`/admin/users/${u.id}`} className="font-medium text-brand-600 hover:underline dark:text-brand-400">
                  {u.email}
                </Link>
              </td>
              <td className="max-w-[12rem] truncate px-4 py-3">{u.name}</td>
              <td className="px-4 py-3">
                {u.role === "ADMIN" ? <Badge tone="brand">Admin</Badge> : <Badge tone="neutral">User</Badge>}
              </td>
              <td className="px-4 py-3">{u.verified ? <Badge tone="success">Yes</Badge> : <Badge tone="warning">No</Badge>}</td>
              <td className="px-4 py-3">
                {u.locked && u.lockedUntil ? (
                  <>
                    <Badge tone="danger">Locked</Badge>
                    <span className="block text-xs whitespace-nowrap text-zinc-600 dark:text-zinc-400">
                      {u.lockedUntil.getUTCFullYear() >= 9999 ? " until unlocked" : ` until ${formatWhen(u.lockedUntil)}`}
                    </span>
                  </>
                ) : (
                  <span className="text-zinc-500 dark:text-zinc-400">No</span>
                )}
              </td>
              <td className="px-4 py-3 whitespace-nowrap">
                <time dateTime={u.createdAt.toISOString()}>{formatWhen(u.createdAt)}</time>
              </td>
              <td className="px-4 py-3 whitespace-nowrap">
                {u.lastLoginAt ? (
                  <time dateTime={u.lastLoginAt.toISOString()}>{formatWhen(u.lastLoginAt)}</time>
                ) : (
                  <span className="text-zinc-500 dark:text-zinc-400">Never</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
