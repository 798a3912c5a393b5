/** Dates on admin pages: UTC, so the server render and any client render agree. */
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateTimeSeconds = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export function formatWhen(date: Date, opts: { seconds?: boolean } = {}): string {
  return `${(opts.seconds ? dateTimeSeconds : dateTime).format(date)} UTC`;
}

/** A query string from filters, skipping empty values (links keep the current filters). */
export function queryString(params: Record<string, string | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : "";
}
