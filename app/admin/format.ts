/** Dates on admin pages: UTC, so the server render and any client render agree. */
const dateTime = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dateTimeSeconds = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

export function formatWhen(date: Date, opts: { seconds?: boolean } = {}): string {
  return `${(opts.seconds ? dateTimeSeconds : dateTime).format(date)} UTC`;
}

/**
 * How long a lock lasts, as a sentence start. An indefinite lock is stored as
 * 31 Dec 9999 (LOCKED_INDEFINITELY_UNTIL): say what ends it, not that date.
 */
export function formatLockedUntil(until: Date): string {
  return until.getUTCFullYear() >= 9999 ? "Until an admin unlocks it" : `Until ${formatWhen(until)}`;
}

/** A query string from filters, skipping empty values (links keep the current filters). */
export function queryString(params: Record<string, string | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `?${s}` : "";
}
