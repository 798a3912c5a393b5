import Link from "next/link";
import { Button } from "@/components/ui/button";
import { inputClassName } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export type UserFilterValues = {
  q?: string;
  match?: "contains" | "prefix";
  role?: "USER" | "ADMIN";
  verified?: "yes" | "no";
  locked?: "yes" | "no";
};

const selectClassName = inputClassName;

/**
 * Search and filters as a plain GET form: the filters live in the URL (shareable,
 * back button works, no script needed) and submitting starts again at page one.
 */
export function UserFilters({ values, action = "/admin/users" }: { values: UserFilterValues; action?: string }) {
  return (
    <form method="get" action={action} role="search" aria-label="Filter users" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-6">
      <div className="space-y-1.5 sm:col-span-2 lg:col-span-2">
        <Label htmlFor="users-q">Search</Label>
        <input
          id="users-q"
          name="q"
          type="search"
          defaultValue={values.q ?? ""}
          maxLength={254}
          placeholder="Email or name"
          autoComplete="off"
          className={inputClassName}
        />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="users-match">Match</Label>
        <select id="users-match" name="match" defaultValue={values.match ?? "contains"} className={selectClassName}>
          <option value="contains">Email or name contains</option>
          <option value="prefix">Email starts with</option>
        </select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="users-role">Role</Label>
        <select id="users-role" name="role" defaultValue={values.role ?? ""} className={selectClassName}>
          <option value="">Any</option>
          <option value="USER">User</option>
          <option value="ADMIN">Admin</option>
        </select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="users-verified">Verified</Label>
        <select id="users-verified" name="verified" defaultValue={values.verified ?? ""} className={selectClassName}>
          <option value="">Any</option>
          <option value="yes">Verified</option>
          <option value="no">Not verified</option>
        </select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="users-locked">Locked</Label>
        <select id="users-locked" name="locked" defaultValue={values.locked ?? ""} className={selectClassName}>
          <option value="">Any</option>
          <option value="yes">Locked</option>
          <option value="no">Not locked</option>
        </select>
      </div>
      <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-6">
        <Button type="submit">Apply</Button>
        <Link
          href={action}
          className="inline-flex min-h-11 items-center rounded-md px-4 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
        >
          Clear
        </Link>
      </div>
    </form>
  );
}
