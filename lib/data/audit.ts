import { getDb } from "../db/client";
import { log } from "../log";
import type { Prisma } from "../db/generated/client";
import { purgeIfDue } from "./maintenance";

/**
 * Auth events, named after the OWASP logging vocabulary. Secrets (passwords,
 * codes, tokens, cookies) are never passed here; CR/LF in free text is escaped
 * so a crafted value cannot forge extra log lines when events are exported.
 */
export type AuthEventType =
  | "user_created"
  | "user_signup_existing_email"
  | "user_signup_pending_replaced"
  | "authn_email_verified"
  | "authn_otp_fail"
  | "authn_otp_fail_max"
  | "authn_otp_sent"
  | "authn_login_success"
  | "authn_login_fail"
  | "authn_login_fail_max"
  | "authn_login_lock"
  | "authn_login_unverified"
  | "authn_password_change"
  | "authn_password_change_fail"
  | "authn_password_reset_request"
  | "authn_password_reset"
  | "authn_password_reset_fail"
  | "authn_token_refreshed"
  | "authn_token_reuse"
  | "authn_token_grace_reuse"
  | "authn_token_invalid"
  | "session_expired"
  | "session_revoked"
  | "session_revoked_all"
  | "session_revoked_others"
  | "user_updated"
  | "user_email_change_request"
  | "user_email_changed"
  | "logout"
  | "malicious_csrf"
  | "authz_fail"
  | "authz_admin"
  | "privilege_permissions_changed"
  | "user_deleted"
  | "rate_limit_exceeded";

export type EventContext = { ip?: string | null; userAgent?: string | null; requestId?: string | null };

export function escapeControl(value: string): string {
  return value.replace(/[\r\n\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * Events a client can provoke at will, as often as it likes (a refusal costs it
 * nothing): stored at most REFUSAL_AUDIT_LIMIT times per window per user (when
 * known) or per IP, per type, so a flood cannot fill the table (SECURITY.md
 * "Audit": refusals are recorded at a capped rate). The requests themselves
 * are still refused every time; only their rows are dropped.
 */
export const CAPPED_EVENTS: ReadonlySet<AuthEventType> = new Set<AuthEventType>([
  "rate_limit_exceeded",
  "authz_fail",
  "malicious_csrf",
  "authn_token_invalid",
  "authn_token_grace_reuse",
]);
export const REFUSAL_AUDIT_LIMIT = { points: 30, durationSeconds: 60 } as const;

/**
 * Count one more event against its cap and say whether it may be stored. One
 * upsert on the shared rate_limits table (so the cap holds across instances):
 * a window that has ended starts again at 1.
 */
async function withinCap(type: AuthEventType, subject: string): Promise<boolean> {
  const key = `auditCap:${type}:${subject}`.slice(0, 255);
  const rows = await (await getDb()).$queryRaw<Array<{ points: number }>>`
    INSERT INTO "rate_limits" ("key", "points", "expire")
    VALUES (${key}, 1, now() + make_interval(secs => ${REFUSAL_AUDIT_LIMIT.durationSeconds}))
    ON CONFLICT ("key") DO UPDATE SET
      "points" = CASE WHEN "rate_limits"."expire" <= now() THEN 1 ELSE "rate_limits"."points" + 1 END,
      "expire" = CASE WHEN "rate_limits"."expire" <= now() THEN EXCLUDED."expire" ELSE "rate_limits"."expire" END
    RETURNING "points"`;
  const points = Number(rows[0]?.points ?? 0);
  if (points === REFUSAL_AUDIT_LIMIT.points + 1) {
    // Said once per window, so operators know rows are being dropped, without a line per refusal.
    log().warn({ event: type, subject }, "audit cap reached: further events of this type are not stored this window");
  }
  return points <= REFUSAL_AUDIT_LIMIT.points;
}

export async function recordEvent(
  type: AuthEventType,
  ctx: EventContext,
  fields: { userId?: string | null; email?: string | null; detail?: Record<string, string | number | boolean> } = {},
): Promise<void> {
  const detail = fields.detail
    ? (Object.fromEntries(
        Object.entries(fields.detail).map(([k, v]) => [k, typeof v === "string" ? escapeControl(v) : v]),
      ) as Prisma.InputJsonObject)
    : undefined;
  const row = {
    type,
    userId: fields.userId ?? null,
    email: fields.email ? escapeControl(fields.email) : null,
    ip: ctx.ip ? escapeControl(ctx.ip).slice(0, 64) : null,
    userAgent: ctx.userAgent ? escapeControl(ctx.userAgent).slice(0, 512) : null,
    requestId: ctx.requestId ? escapeControl(ctx.requestId).slice(0, 64) : null,
  };
  if (CAPPED_EVENTS.has(type) && !(await withinCap(type, row.userId ? `u:${row.userId}` : `ip:${row.ip ?? "unknown"}`))) return;
  // Mirrored to the structured log, so operators see events without querying the table.
  log().info({ event: row.type, userId: row.userId, ip: row.ip, requestId: row.requestId, detail }, "auth event");
  await (await getDb()).authEvent.create({ data: { ...row, detail } });
  // Old rows go without a scheduler: the writes that make the tables grow also keep them trimmed.
  purgeIfDue();
}

export async function listEventsForUser(userId: string, opts: { take?: number } = {}) {
  return (await getDb()).authEvent.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take: opts.take ?? 50,
  });
}
