/**
 * Row ids are UUIDs (v7, from the database or lib/data). Any 8-4-4-4-12 hex
 * string is a valid PostgreSQL uuid; anything else must never reach a query
 * (a cast error, i.e. a 500, instead of "not found").
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID_PATTERN.test(value);
}
