import { getDb } from "../db/client";
import { log } from "../log";
import type { Prisma } from "../db/generated/client";

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
  // Mirrored to the structured log, so operators see events without querying the table.
  log().info({ event: row.type, userId: row.userId, ip: row.ip, requestId: row.requestId, detail }, "auth event");
  await (await getDb()).authEvent.create({ data: { ...row, detail } });
}

export async function listEventsForUser(userId: string, opts: { take?: number } = {}) {
  return (await getDb()).authEvent.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take: opts.take ?? 50,
  });
}
