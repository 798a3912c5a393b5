import "server-only";
import { z } from "zod";
import { recordEvent, type AuthEventType, type EventContext } from "../data/audit";
import { listEventsForUser } from "../data/audit";
import {
  clearUserLock,
  deleteUserChecked,
  findAdminUserById,
  findAuditEventsPage,
  findUsersPage,
  listSessionsOfUser,
  setUserLock,
  setUserRole,
  type AdminUserRecord,
  type AdminWriteResult,
  type AuditEventRecord,
  type AuditFilters,
  type Keyset,
  type PageRequest,
} from "../data/admin";
import { findSessionWithUser, revokeUserSessionRow } from "../data/sessions";
import { getEnv } from "../env";
import { MailError, sendVerificationCodeMail } from "../mail";
import { EMAIL_MAX, hasNoControlCharacters } from "../validation/auth";
import { isUuid, UUID_PATTERN } from "../validation/ids";
import { OTP_TTL_SECONDS } from "./constants";
import { AuthError } from "./errors";
import { issueOtp, refundOtpSend } from "./otp";
import { describeDevice, type DeviceInfo } from "./profile";
import { requestPasswordReset } from "./recovery";
import { invalidateUserSessions, isSessionAlive } from "./session";

/**
 * Administration: users, their sessions and the audit trail. Shared by the
 * /admin pages and actions, the /api/admin routes and the CSV export.
 *
 * Every function takes the acting admin's session (`actor`) and checks it
 * again against the database: the session must be live and its user must be
 * an ADMIN *now*. A demoted admin is refused at once, even with a token issued
 * while they were one, and even if a page or action forgot requireRole().
 * Failures throw AuthError; a refusal is recorded as `authz_fail`.
 */

/** Who is acting: the admin and the session (device) they act from. */
export type AdminActor = { userId: string; sessionId: string };
type Ctx = EventContext & { ip: string };

export const ADMIN_PAGE_SIZE = 50;
export const ADMIN_MAX_PAGE_SIZE = 100;
export const AUDIT_EXPORT_MAX_ROWS = 100_000;
const AUDIT_EXPORT_BATCH = 1_000;

export const NOT_ADMIN_MESSAGE = "Only administrators can do this.";
export const LAST_ADMIN_MESSAGE = "This is the last administrator: promote someone else first.";
export const USER_NOT_FOUND_MESSAGE = "That user was not found.";
const SESSION_ENDED_MESSAGE = "Your session has ended. Please sign in again.";

// ─── Schemas (pages, actions and the API parse with the same ones) ─────────

export const userIdSchema = z.string({ error: USER_NOT_FOUND_MESSAGE }).regex(UUID_PATTERN, USER_NOT_FOUND_MESSAGE);
export const roleSchema = z.enum(["USER", "ADMIN"], { error: "Choose USER or ADMIN" });

export const LOCK_DURATIONS = {
  "1h": { label: "1 hour", ms: 3600_000 },
  "24h": { label: "24 hours", ms: 24 * 3600_000 },
  "7d": { label: "7 days", ms: 7 * 24 * 3600_000 },
  "30d": { label: "30 days", ms: 30 * 24 * 3600_000 },
  indefinite: { label: "Until unlocked", ms: null },
} as const;
export type LockDuration = keyof typeof LOCK_DURATIONS;
/** "Until unlocked": a date no sign-in will ever reach. */
export const LOCKED_INDEFINITELY_UNTIL = new Date("9999-12-31T00:00:00.000Z");
export const lockDurationSchema = z.enum(Object.keys(LOCK_DURATIONS) as [LockDuration, ...LockDuration[]], {
  error: "Choose how long to lock the account",
});

export const changeRoleSchema = z.object({ userId: userIdSchema, role: roleSchema });
export const lockUserSchema = z.object({ userId: userIdSchema, duration: lockDurationSchema });
export const userActionSchema = z.object({ userId: userIdSchema });
export const revokeUserSessionSchema = z.object({ userId: userIdSchema, sessionId: z.string().regex(UUID_PATTERN, "That session was not found.") });
export const deleteUserSchema = z.object({
  userId: userIdSchema,
  // Compared with the stored (lowercased) address.
  confirmEmail: z
    .string({ error: "Type the user's email address to confirm" })
    .trim()
    .toLowerCase()
    .min(1, "Type the user's email address to confirm")
    .max(EMAIL_MAX, "That is not the user's email address"),
});

/** A list position in a URL: `<milliseconds>.<uuid>` of the last (or first) row seen. */
export function encodeCursor(k: Keyset): string {
  return `${k.createdAt.getTime()}.${k.id}`;
}
export function decodeCursor(value: string): Keyset | null {
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/i.exec(value);
  if (!m || !isUuid(m[2])) return null;
  const createdAt = new Date(Number(m[1]));
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: m[2]!.toLowerCase() };
}
const cursorSchema = z
  .string()
  .max(60)
  .transform((v, ctx) => {
    const k = decodeCursor(v);
    if (!k) {
      ctx.addIssue({ code: "custom", message: "Not a list position from this server" });
      return z.NEVER;
    }
    return k;
  });
const yesNo = z.enum(["yes", "no"]).transform((v) => v === "yes");
const limitSchema = z.coerce.number().int().min(1).max(ADMIN_MAX_PAGE_SIZE).default(ADMIN_PAGE_SIZE);

export const userListQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .max(EMAIL_MAX, `Search for at most ${EMAIL_MAX} characters`)
    .refine(hasNoControlCharacters, "Search text cannot contain control characters")
    .optional(),
  match: z.enum(["contains", "prefix"]).default("contains"),
  role: roleSchema.optional(),
  verified: yesNo.optional(),
  locked: yesNo.optional(),
  after: cursorSchema.optional(),
  before: cursorSchema.optional(),
  limit: limitSchema,
});
export type UserListQuery = z.infer<typeof userListQuerySchema>;

/** What each audit event type means; a Record, so a new type in the union must get a label here. */
export const AUDIT_EVENT_LABELS: Record<AuthEventType, string> = {
  user_created: "Account created",
  user_signup_existing_email: "Sign-up with a taken address",
  user_signup_pending_replaced: "Sign-up replaced an unconfirmed one",
  authn_email_verified: "Email confirmed",
  authn_otp_fail: "Wrong email code",
  authn_otp_fail_max: "Too many wrong email codes",
  authn_otp_sent: "Email code sent",
  authn_login_success: "Signed in",
  authn_login_fail: "Failed sign-in",
  authn_login_fail_max: "Sign-in refused: locked",
  authn_login_lock: "Locked after failed sign-ins",
  authn_login_unverified: "Sign-in before confirming the address",
  authn_password_change: "Password changed",
  authn_password_change_fail: "Wrong current password",
  authn_password_reset_request: "Password reset requested",
  authn_password_reset: "Password reset",
  authn_password_reset_fail: "Invalid reset link submitted",
  authn_token_refreshed: "Session refreshed",
  authn_token_reuse: "Refresh token replayed",
  authn_token_grace_reuse: "Refresh token replayed within the grace window",
  authn_token_invalid: "Invalid token",
  session_expired: "Session expired",
  session_revoked: "Session revoked",
  session_revoked_all: "All sessions revoked",
  session_revoked_others: "Other sessions revoked",
  user_updated: "User updated",
  user_email_change_request: "Email change requested",
  user_email_changed: "Email changed",
  logout: "Signed out",
  malicious_csrf: "Cross-site request refused",
  authz_fail: "Access refused",
  authz_admin: "Admin action",
  privilege_permissions_changed: "Role changed",
  user_deleted: "User deleted",
  rate_limit_exceeded: "Rate limit hit",
};
export const AUDIT_EVENT_TYPES = Object.keys(AUDIT_EVENT_LABELS) as [AuthEventType, ...AuthEventType[]];

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** `YYYY-MM-DD`, read as a UTC day. */
const daySchema = z
  .string()
  .regex(DATE_PATTERN, "Use a date like 2026-01-31")
  .transform((v, ctx) => {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
      ctx.addIssue({ code: "custom", message: "That day does not exist" });
      return z.NEVER;
    }
    return d;
  });

export const auditQuerySchema = z.object({
  type: z.enum(AUDIT_EVENT_TYPES, { error: "Unknown event type" }).optional(),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(EMAIL_MAX, `An email address has at most ${EMAIL_MAX} characters`)
    .refine(hasNoControlCharacters, "An email address cannot contain control characters")
    .optional(),
  ip: z
    .string()
    .trim()
    .max(64, "An IP address has at most 64 characters")
    .refine(hasNoControlCharacters, "An IP address cannot contain control characters")
    .optional(),
  from: daySchema.optional(),
  to: daySchema.optional(),
  after: cursorSchema.optional(),
  before: cursorSchema.optional(),
  limit: limitSchema,
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

type RawQuery = Record<string, string | string[] | undefined> | URLSearchParams;

function flattenQuery(raw: RawQuery): Record<string, string> {
  const entries = raw instanceof URLSearchParams ? [...raw.entries()] : Object.entries(raw);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    const value = Array.isArray(v) ? v[0] : v;
    // Empty form fields mean "no filter".
    if (typeof value === "string" && value.trim() !== "" && !(k in out)) out[k] = value;
  }
  return out;
}

export type QueryParse<T> = { data: T; invalid: string[]; fieldErrors: Record<string, string[]> };

/**
 * Parse a query string. Pages are lenient (a bad value is dropped and named in
 * `invalid`, the rest still applies); the API rejects the request instead,
 * from `fieldErrors`.
 */
export function parseAdminQuery<S extends z.ZodObject>(schema: S, raw: RawQuery): QueryParse<z.infer<S>> {
  const flat = flattenQuery(raw);
  const fieldErrors: Record<string, string[]> = {};
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = schema.safeParse(flat);
    if (r.success) return { data: r.data, invalid: Object.keys(fieldErrors), fieldErrors };
    for (const issue of r.error.issues) {
      const key = String(issue.path[0] ?? "query");
      (fieldErrors[key] ??= []).push(issue.message);
      delete flat[key];
    }
  }
  throw new Error("unreachable: every failing field was dropped");
}

// ─── The actor check ──────────────────────────────────────────────────────

type AdminIdentity = { id: string; email: string };

/**
 * The acting session is live and belongs to an ADMIN right now. Anything else
 * is refused: a dead session as "unauthenticated", a non-admin as "forbidden"
 * (recorded as authz_fail, OWASP vocabulary).
 */
export async function assertAdmin(actor: AdminActor, ctx: EventContext, action: string): Promise<AdminIdentity> {
  const session = isUuid(actor?.sessionId) ? await findSessionWithUser(actor.sessionId) : null;
  if (!session || session.userId !== actor.userId || !isSessionAlive(session)) {
    throw new AuthError("unauthenticated", SESSION_ENDED_MESSAGE);
  }
  if (session.user.role !== "ADMIN") {
    await recordEvent("authz_fail", ctx, {
      userId: session.user.id,
      email: session.user.email,
      detail: { action, required: "ADMIN" },
    });
    throw new AuthError("forbidden", NOT_ADMIN_MESSAGE);
  }
  return { id: session.user.id, email: session.user.email };
}

function actorDetail(admin: AdminIdentity, action: string): Record<string, string> {
  return { action, actorId: admin.id, actorEmail: admin.email };
}

async function loadTarget(userId: string): Promise<AdminUserRecord> {
  const user = isUuid(userId) ? await findAdminUserById(userId) : null;
  if (!user) throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
  return user;
}

/** Turn a refused atomic write into the AuthError it means. */
async function refusal(
  result: Exclude<AdminWriteResult, { ok: true }>,
  admin: AdminIdentity,
  ctx: EventContext,
  action: string,
): Promise<never> {
  switch (result.reason) {
    case "actor-not-admin":
      // Demoted between the first check and the write.
      await recordEvent("authz_fail", ctx, { userId: admin.id, email: admin.email, detail: { action, required: "ADMIN" } });
      throw new AuthError("forbidden", NOT_ADMIN_MESSAGE);
    case "not-found":
      throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
    case "last-admin":
      throw new AuthError("forbidden", LAST_ADMIN_MESSAGE);
    case "email-mismatch":
      throw new AuthError("validation-failed", "That is not this user's email address: nothing was deleted.");
  }
}

// ─── Users ────────────────────────────────────────────────────────────────

export type AdminUserView = AdminUserRecord & { verified: boolean; locked: boolean };

function toView(u: AdminUserRecord, now = new Date()): AdminUserView {
  return { ...u, verified: u.emailVerifiedAt !== null, locked: u.lockedUntil !== null && u.lockedUntil > now };
}

export type UserListPage = {
  users: AdminUserView[];
  /** Cursor of the next (older) page, if any. */
  next: string | null;
  /** Cursor of the previous (newer) page, if any. */
  previous: string | null;
};

function pageRequest(q: { after?: Keyset; before?: Keyset; limit: number }): PageRequest {
  // `after` wins when both are sent.
  return q.after ? { after: q.after, take: q.limit } : q.before ? { before: q.before, take: q.limit } : { take: q.limit };
}

function cursors<T extends { createdAt: Date; id: string }>(rows: T[], hasOlder: boolean, hasNewer: boolean) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    next: hasOlder && last ? encodeCursor(last) : null,
    previous: hasNewer && first ? encodeCursor(first) : null,
  };
}

/** Search and filter users, newest first, one keyset page at a time. */
export async function listUsers(actor: AdminActor, query: UserListQuery, ctx: EventContext): Promise<UserListPage> {
  await assertAdmin(actor, ctx, "list-users");
  const now = new Date();
  const page = await findUsersPage(
    { q: query.q || undefined, match: query.match, role: query.role, verified: query.verified, locked: query.locked },
    pageRequest(query),
    now,
  );
  return { users: page.rows.map((u) => toView(u, now)), ...cursors(page.rows, page.hasOlder, page.hasNewer) };
}

export type AdminSessionView = {
  id: string;
  device: DeviceInfo;
  ip: string | null;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
  /** Usable right now (not revoked, not expired, not idle too long). */
  live: boolean;
};

export type AdminEventView = Pick<AuditEventRecord, "id" | "type" | "ip" | "userAgent" | "createdAt" | "detail">;

export type AdminUserDetail = { user: AdminUserView; sessions: AdminSessionView[]; events: AdminEventView[] };

/** One user with their sessions and latest events; null for an unknown (or malformed) id. */
export async function getUserDetail(actor: AdminActor, userId: string, ctx: EventContext): Promise<AdminUserDetail | null> {
  await assertAdmin(actor, ctx, "view-user");
  if (!isUuid(userId)) return null;
  const user = await findAdminUserById(userId);
  if (!user) return null;
  const now = Date.now();
  const idleMs = getEnv().SESSION_IDLE_TTL_SECONDS * 1000;
  const [sessions, events] = await Promise.all([listSessionsOfUser(userId, 50), listEventsForUser(userId, { take: 25 })]);
  return {
    user: toView(user),
    sessions: sessions.map((s) => ({
      id: s.id,
      device: describeDevice(s.userAgent),
      ip: s.ip,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      revokedAt: s.revokedAt,
      revokedReason: s.revokedReason,
      live: !s.revokedAt && s.expiresAt.getTime() > now && s.lastUsedAt.getTime() + idleMs > now,
    })),
    events: events.map((e) => ({ id: e.id, type: e.type, ip: e.ip, userAgent: e.userAgent, createdAt: e.createdAt, detail: e.detail })),
  };
}

/**
 * Make a user an ADMIN or a USER. Applies at once: every read checks the role
 * on the session row's user, not the token's copy, so nothing needs revoking.
 * The last admin cannot be demoted (checked atomically, see lib/data/admin.ts).
 */
export async function changeUserRole(
  actor: AdminActor,
  userId: string,
  role: "USER" | "ADMIN",
  ctx: EventContext,
): Promise<{ changed: boolean; from: "USER" | "ADMIN"; to: "USER" | "ADMIN" }> {
  const admin = await assertAdmin(actor, ctx, "change-role");
  if (!isUuid(userId)) throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
  const r = await setUserRole({ actorId: admin.id, userId, role });
  if (!r.ok) return refusal(r, admin, ctx, "change-role");
  if (r.changed) {
    await recordEvent("privilege_permissions_changed", ctx, {
      userId,
      email: r.email,
      detail: { ...actorDetail(admin, "change-role"), fromRole: r.from, toRole: role },
    });
  }
  return { changed: r.changed, from: r.from, to: role };
}

/**
 * Lock sign-in for a while or until unlocked, and end every session the user
 * has (a lock that left them signed in would not be one).
 */
export async function lockUserAccount(
  actor: AdminActor,
  userId: string,
  duration: LockDuration,
  ctx: EventContext,
): Promise<{ lockedUntil: Date; revokedSessions: number }> {
  const admin = await assertAdmin(actor, ctx, "lock-user");
  const user = await loadTarget(userId);
  if (user.id === admin.id) throw new AuthError("forbidden", "You cannot lock your own account.");
  const ms = LOCK_DURATIONS[duration].ms;
  const lockedUntil = ms === null ? LOCKED_INDEFINITELY_UNTIL : new Date(Date.now() + ms);
  if (!(await setUserLock(user.id, lockedUntil))) throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
  const revokedSessions = await invalidateUserSessions(user.id, "locked-by-admin");
  await recordEvent("user_updated", ctx, {
    userId: user.id,
    email: user.email,
    detail: { ...actorDetail(admin, "lock"), duration, lockedUntil: lockedUntil.toISOString(), revokedSessions },
  });
  return { lockedUntil, revokedSessions };
}

/** Lift a lock (an admin's or the failed-sign-in one) and forget the failures. */
export async function unlockUserAccount(actor: AdminActor, userId: string, ctx: EventContext): Promise<void> {
  const admin = await assertAdmin(actor, ctx, "unlock-user");
  const user = await loadTarget(userId);
  if (!(await clearUserLock(user.id))) throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
  await recordEvent("user_updated", ctx, { userId: user.id, email: user.email, detail: actorDetail(admin, "unlock") });
}

/** End one session of a user (an id of another user's session matches nothing). */
export async function revokeUserSessionAsAdmin(actor: AdminActor, userId: string, sessionId: string, ctx: EventContext): Promise<void> {
  const admin = await assertAdmin(actor, ctx, "revoke-session");
  const user = await loadTarget(userId);
  const notFound = new AuthError("not-found", "That session was not found or has already ended.");
  if (!isUuid(sessionId)) throw notFound;
  if (!(await revokeUserSessionRow(user.id, sessionId, "revoked-by-admin"))) throw notFound;
  await recordEvent("session_revoked", ctx, {
    userId: user.id,
    email: user.email,
    detail: { ...actorDetail(admin, "revoke-session"), sessionId },
  });
}

/** End every session of a user. */
export async function revokeAllUserSessionsAsAdmin(actor: AdminActor, userId: string, ctx: EventContext): Promise<{ count: number }> {
  const admin = await assertAdmin(actor, ctx, "revoke-all-sessions");
  const user = await loadTarget(userId);
  const count = await invalidateUserSessions(user.id, "revoked-by-admin");
  await recordEvent("session_revoked_all", ctx, {
    userId: user.id,
    email: user.email,
    detail: { ...actorDetail(admin, "revoke-all-sessions"), count },
  });
  return { count };
}

/** Mail a fresh confirmation code to an unverified user (the per-account send limits apply). */
export async function resendVerificationCodeAsAdmin(actor: AdminActor, userId: string, ctx: EventContext): Promise<void> {
  const admin = await assertAdmin(actor, ctx, "resend-verification");
  const user = await loadTarget(userId);
  if (user.emailVerifiedAt) throw new AuthError("validation-failed", "This address is already confirmed.");
  const issued = await issueOtp(user.id, "VERIFY_EMAIL", user.email);
  if (!issued.sent) {
    throw new AuthError("rate-limited", `A code was sent recently. Try again in ${issued.retryAfter} seconds.`, issued.retryAfter);
  }
  try {
    await sendVerificationCodeMail(user.email, { code: issued.code, expiresInMinutes: OTP_TTL_SECONDS / 60 });
  } catch (err) {
    if (err instanceof MailError) {
      await refundOtpSend(user.id, "VERIFY_EMAIL", user.email); // nothing was sent: the admin may try again at once
      throw new AuthError("mail-unavailable", "The email could not be sent. Try again shortly.");
    }
    throw err;
  }
  await recordEvent("authz_admin", ctx, { userId: user.id, email: user.email, detail: actorDetail(admin, "resend-verification") });
}

/** Mail a password-reset link, exactly as if the user had asked for one. */
export async function sendPasswordResetAsAdmin(actor: AdminActor, userId: string, ctx: Ctx): Promise<void> {
  const admin = await assertAdmin(actor, ctx, "password-reset-mail");
  const user = await loadTarget(userId);
  await requestPasswordReset(user.email, ctx);
  await recordEvent("authz_admin", ctx, { userId: user.id, email: user.email, detail: actorDetail(admin, "password-reset-mail") });
}

/**
 * Delete an account after the admin typed its email address. Sessions, codes
 * and reset tokens go with it (foreign-key cascade); audit rows stay with their
 * email snapshot. The last admin cannot be deleted, nor can an admin delete
 * themselves here.
 */
export async function deleteUserAccount(
  actor: AdminActor,
  userId: string,
  confirmEmail: string,
  ctx: EventContext,
): Promise<{ email: string }> {
  const admin = await assertAdmin(actor, ctx, "delete-user");
  if (!isUuid(userId)) throw new AuthError("not-found", USER_NOT_FOUND_MESSAGE);
  if (userId === admin.id) throw new AuthError("forbidden", "You cannot delete your own account here.");
  const r = await deleteUserChecked({ actorId: admin.id, userId, confirmEmail: confirmEmail.trim().toLowerCase() });
  if (!r.ok) return refusal(r, admin, ctx, "delete-user");
  await recordEvent("user_deleted", ctx, {
    userId: null,
    email: r.email,
    detail: { ...actorDetail(admin, "delete-user"), deletedUserId: userId, role: r.role },
  });
  return { email: r.email };
}

// ─── Audit ────────────────────────────────────────────────────────────────

export type AuditListPage = { events: AuditEventRecord[]; next: string | null; previous: string | null };

function auditFilters(q: AuditQuery): AuditFilters {
  const DAY = 24 * 3600_000;
  return { type: q.type, email: q.email || undefined, ip: q.ip || undefined, from: q.from, to: q.to && new Date(q.to.getTime() + DAY) };
}

/** Every event (all users, deleted ones included), filtered, newest first. */
export async function listAuditEvents(actor: AdminActor, query: AuditQuery, ctx: EventContext): Promise<AuditListPage> {
  await assertAdmin(actor, ctx, "list-audit");
  const page = await findAuditEventsPage(auditFilters(query), pageRequest(query));
  return { events: page.rows, ...cursors(page.rows, page.hasOlder, page.hasNewer) };
}

export const AUDIT_CSV_COLUMNS = ["created_at", "type", "email", "user_id", "ip", "user_agent", "request_id", "detail"] as const;

/**
 * One CSV field (RFC 4180): always quoted, quotes doubled. A value a
 * spreadsheet would run as a formula is prefixed with ' so it stays text
 * (OWASP CSV injection): one starting with a tab or CR, or whose first
 * non-space character is =, +, - or @ (spreadsheets skip leading blanks).
 */
export function csvField(value: string | null | undefined): string {
  let v = value ?? "";
  if (/^[\t\r]/.test(v) || /^\s*[=+\-@]/.test(v)) v = `'${v}`;
  return `"${v.replace(/"/g, '""')}"`;
}

export function csvRow(values: Array<string | null | undefined>): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

function eventCsvRow(e: AuditEventRecord): string {
  return csvRow([
    e.createdAt.toISOString(),
    e.type,
    e.email,
    e.userId,
    e.ip,
    e.userAgent,
    e.requestId,
    e.detail === null ? null : JSON.stringify(e.detail),
  ]);
}

/**
 * The filtered audit trail as CSV lines (header first), read in keyset batches
 * so a large export never sits in memory. The admin check and the
 * `authz_admin` record happen before the first line.
 */
export async function exportAuditCsv(actor: AdminActor, query: AuditQuery, ctx: EventContext): Promise<AsyncGenerator<string>> {
  const admin = await assertAdmin(actor, ctx, "audit-export");
  const filters = auditFilters(query);
  await recordEvent("authz_admin", ctx, {
    userId: admin.id,
    email: admin.email,
    detail: {
      ...actorDetail(admin, "audit-export"),
      filters: JSON.stringify({ type: query.type, email: query.email, ip: query.ip, from: query.from, to: query.to }),
    },
  });
  async function* lines(): AsyncGenerator<string> {
    yield csvRow([...AUDIT_CSV_COLUMNS]);
    let after: Keyset | undefined;
    let sent = 0;
    while (sent < AUDIT_EXPORT_MAX_ROWS) {
      const page = await findAuditEventsPage(filters, { after, take: Math.min(AUDIT_EXPORT_BATCH, AUDIT_EXPORT_MAX_ROWS - sent) });
      for (const e of page.rows) yield eventCsvRow(e);
      sent += page.rows.length;
      const last = page.rows[page.rows.length - 1];
      if (!page.hasOlder || !last) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }
  return lines();
}
