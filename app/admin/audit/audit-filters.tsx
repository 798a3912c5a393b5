import Link from "next/link";
import { Button } from "@/components/ui/button";
import { inputClassName } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export type AuditFilterValues = { type?: string; email?: string; ip?: string; from?: string; to?: string };

/** Audit filters as a plain GET form: the filters live in the URL, and the CSV export reuses them. */
export function AuditFilters({ values, types }: { values: AuditFilterValues; types: Array<{ value: string; label: string }> }) {
  return (
    <form method="get" action="/admin/audit" role="search" aria-label="Filter events" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
      <div className="space-y-1.5">
        <Label htmlFor="audit-type">Event type</Label>
        <select id="audit-type" name="type" defaultValue={values.type ?? ""} className={inputClassName}>
          <option value="">Any</option>
          {types.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label} ({t.value})
            </option>
          ))}
        </select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="audit-email">User email</Label>
        <input id="audit-email" name="email" type="search" defaultValue={values.email ?? ""} maxLength={254} autoComplete="off" className={inputClassName} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="audit-ip">IP address</Label>
        <input id="audit-ip" name="ip" type="search" defaultValue={values.ip ?? ""} maxLength={64} autoComplete="off" className={inputClassName} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="audit-from">From (UTC day)</Label>
        <input id="audit-from" name="from" type="date" defaultValue={values.from ?? ""} className={inputClassName} />
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="audit-to">To (UTC day, included)</Label>
        <input id="audit-to" name="to" type="date" defaultValue={values.to ?? ""} className={inputClassName} />
      </div>
      <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-5">
        <Button type="submit">Apply</Button>
        <Link
          href="/admin/audit"
          className="inline-flex min-h-11 items-center rounded-md px-4 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
        >
          Clear
        </Link>
      </div>
    </form>
  );
}
