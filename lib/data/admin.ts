import { getDb } from "../db/client";
import { Prisma } from "../db/generated/client";
import type { Role } from "../db/generated/enums";

/**
 * Queries behind the admin pages, the admin API and the admin CLI. Plain
 * objects in and out; the caller (lib/auth/admin.ts) has already checked that
 * the actor is an admin. Lists page by keyset on (created_at, id), newest
 * first, so page 5,000 costs what page 1 costs.
 */

/** A user as the admin pages show it: never the password hash. */
export type AdminUserRecord = {
  id: string;
  email: string;
  name: string;
  role: Role;
  emailVerifiedAt: Date | null;
  failedLoginCount: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
};

const adminUserSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  emailVerifiedAt: true,
  failedLoginCount: true,
  lockedUntil: true,
  lastLoginAt: true,
  createdAt: true,
} as const;

/** Position in a newest-first list: the last (or first) row of the page the reader saw. */
export type Keyset = { createdAt: Date; id: string };

/** `after`: the next (older) page; `before`: the previous (newer) page; neither: the first page. */
export type PageRequest = { after?: Keyset; before?: Keyset; take: number };

export type Page<T> = {
  rows: T[];
  /** Older rows exist after the last row. */
  hasOlder: boolean;
  /** Newer rows exist before the first row. */
  hasNewer: boolean;
};

export type UserListFilters = {
  /** Already trimmed; matched case-insensitively. */
  q?: string;
  /** `contains`: email or name contains q; `prefix`: email starts with q (the unique index on email). */
  match?: "contains" | "prefix";
  role?: Role;
  verified?: boolean;
  locked?: boolean;
};

/** `%`, `_` and the escape character itself are literals in a search, not wildcards. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// The largest code point: every string starting with p sorts below p + this.
const MAX_CHAR = String.fromCodePoint(0x10ffff);

function userConditions(f: UserListFilters, now: Date): Prisma.Sql[] {
  const conds: Prisma.Sql[] = [];
  if (f.q) {
    if (f.match === "prefix") {
      // Emails are stored lowercased. The range lets PostgreSQL walk the unique
      // index on email whatever the database collation (LIKE alone only uses a
      // plain btree under the "C" collation); LIKE keeps the match exact.
      const p = f.q.toLowerCase();
      conds.push(Prisma.sql`"email" >= ${p} AND "email" < ${p + MAX_CHAR} AND "email" LIKE ${escapeLike(p) + "%"}`);
    } else {
      const pattern = `%${escapeLike(f.q)}%`;
      conds.push(Prisma.sql`("email" ILIKE ${pattern} OR "name" ILIKE ${pattern})`);
    }
  }
  if (f.role) conds.push(Prisma.sql`"role" = ${f.role}::"Role"`);
  if (f.verified === true) conds.push(Prisma.sql`"email_verified_at" IS NOT NULL`);
  if (f.verified === false) conds.push(Prisma.sql`"email_verified_at" IS NULL`);
  if (f.locked === true) conds.push(Prisma.sql`"locked_until" > ${now}`);
  if (f.locked === false) conds.push(Prisma.sql`("locked_until" IS NULL OR "locked_until" <= ${now})`);
  return conds;
}

/**
 * Keyset condition. The plain `created_at <=` / `>=` bound is what lets the
 * index on created_at start at the right place; the row comparison breaks ties
 * between users created in the same millisecond by id.
 */
function keysetCondition(page: PageRequest): Prisma.Sql | null {
  if (page.after) {
    return Prisma.sql`"created_at" <= ${page.after.createdAt} AND ("created_at", "id") < (${page.after.createdAt}, ${page.after.id}::uuid)`;
  }
  if (page.before) {
    return Prisma.sql`"created_at" >= ${page.before.createdAt} AND ("created_at", "id") > (${page.before.createdAt}, ${page.before.id}::uuid)`;
  }
  return null;
}

type UserRow = {
  id: string;
  email: string;
  name: string;
  role: Role;
  email_verified_at: Date | string | null;
  failed_login_count: number;
  locked_until: Date | string | null;
  last_login_at: Date | string | null;
  created_at: Date | string;
};

// Raw rows may carry timestamps as strings, depending on the driver adapter.
const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null): Date | null => (v === null ? null : toDate(v));

function toAdminUser(r: UserRow): AdminUserRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    emailVerifiedAt: toDateOrNull(r.email_verified_at),
    failedLoginCount: Number(r.failed_login_count),
    lockedUntil: toDateOrNull(r.locked_until),
    lastLoginAt: toDateOrNull(r.last_login_at),
    createdAt: toDate(r.created_at),
  };
}

/** Shape one over-fetched (take + 1) window into a page, in newest-first order. */
function toPage<T>(rows: T[], page: PageRequest): Page<T> {
  const extra = rows.length > page.take;
  const window = rows.slice(0, page.take);
  if (page.before) {
    // Fetched oldest-first from the cursor upwards: turn it around.
    return { rows: window.reverse(), hasOlder: true, hasNewer: extra };
  }
  return { rows: window, hasOlder: extra, hasNewer: page.after !== undefined };
}

/** One page of users matching the filters, newest first. */
export async function findUsersPage(filters: UserListFilters, page: PageRequest, now = new Date()): Promise<Page<AdminUserRecord>> {
  const conds = userConditions(filters, now);
  const keyset = keysetCondition(page);
  if (keyset) conds.push(keyset);
  const where = conds.length ? Prisma.join(conds, " AND ") : Prisma.sql`TRUE`;
  const order = page.before ? Prisma.sql`"created_at" ASC, "id" ASC` : Prisma.sql`"created_at" DESC, "id" DESC`;
  const rows = await (await getDb()).$queryRaw<UserRow[]>`
    SELECT "id", "email", "name", "role"::text AS "role", "email_verified_at", "failed_login_count",
           "locked_until", "last_login_at", "created_at"
    FROM "users"
    WHERE ${where}
    ORDER BY ${order}
    LIMIT ${page.take + 1}`;
  return toPage(rows.map(toAdminUser), page);
}

export async function findAdminUserById(id: string): Promise<AdminUserRecord | null> {
  return (await getDb()).user.findUnique({ where: { id }, select: adminUserSelect });
}

export async function findAdminUserByEmail(email: string): Promise<AdminUserRecord | null> {
  return (await getDb()).user.findUnique({ where: { email }, select: adminUserSelect });
}

/** Sessions of one user, newest first, live or ended (the admin sees why one ended). */
export async function listSessionsOfUser(userId: string, take = 50) {
  return (await getDb()).session.findMany({
    where: { userId },
    orderBy: [{ lastUsedAt: "desc" }, { id: "desc" }],
    take,
    select: {
      id: true,
      userAgent: true,
      ip: true,
      createdAt: true,
      lastUsedAt: true,
      expiresAt: true,
      revokedAt: true,
      revokedReason: true,
    },
  });
}

export type AdminWriteResult<T = Record<string, never>> =
  | ({ ok: true } & T)
  | { ok: false; reason: "actor-not-admin" | "not-found" | "last-admin" | "email-mismatch" };

/**
 * Lock every ADMIN row, in id order (two transactions never wait on each other
 * in opposite orders), and return their ids. Under READ COMMITTED a transaction
 * that waited here re-reads the rows a concurrent one changed, so a user that
 * was just demoted is no longer counted: the last-admin checks below cannot
 * both pass when two admins demote (or delete) each other at the same moment.
 */
async function lockAdmins(tx: Prisma.TransactionClient): Promise<string[]> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT "id" FROM "users" WHERE "role" = 'ADMIN'::"Role" ORDER BY "id" FOR UPDATE`;
  return rows.map((r) => r.id);
}

async function lockUserRow(tx: Prisma.TransactionClient, id: string): Promise<{ email: string; role: Role } | null> {
  const rows = await tx.$queryRaw<Array<{ email: string; role: Role }>>`
    SELECT "email", "role"::text AS "role" FROM "users" WHERE "id" = ${id}::uuid FOR UPDATE`;
  return rows[0] ?? null;
}

/**
 * Change a user's role, atomically with the two rules: the actor is still an
 * admin when the change commits, and the last admin is never demoted.
 * The security version moves, like after a password change.
 */
export async function setUserRole(input: {
  actorId: string;
  userId: string;
  role: Role;
}): Promise<AdminWriteResult<{ from: Role; changed: boolean; email: string }>> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const admins = await lockAdmins(tx);
    if (!admins.includes(input.actorId)) return { ok: false, reason: "actor-not-admin" } as const;
    const target = await lockUserRow(tx, input.userId);
    if (!target) return { ok: false, reason: "not-found" } as const;
    if (target.role === input.role) return { ok: true, from: target.role, changed: false, email: target.email } as const;
    if (target.role === "ADMIN" && admins.length <= 1) return { ok: false, reason: "last-admin" } as const;
    await tx.user.update({ where: { id: input.userId }, data: { role: input.role, securityVersion: { increment: 1 } } });
    return { ok: true, from: target.role, changed: true, email: target.email } as const;
  });
}

/**
 * Delete a user (sessions, refresh tokens, codes and reset tokens go with it by
 * cascade; audit rows stay, their user id set to null, the email snapshot kept).
 * Refused when the typed confirmation is not the user's current email, or when
 * the user is the last admin; both checked under the row locks.
 */
export async function deleteUserChecked(input: {
  actorId: string;
  userId: string;
  confirmEmail: string;
}): Promise<AdminWriteResult<{ email: string; role: Role }>> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const admins = await lockAdmins(tx);
    if (!admins.includes(input.actorId)) return { ok: false, reason: "actor-not-admin" } as const;
    const target = await lockUserRow(tx, input.userId);
    if (!target) return { ok: false, reason: "not-found" } as const;
    if (target.email !== input.confirmEmail) return { ok: false, reason: "email-mismatch" } as const;
    if (target.role === "ADMIN" && admins.length <= 1) return { ok: false, reason: "last-admin" } as const;
    await tx.user.delete({ where: { id: input.userId } });
    return { ok: true, email: target.email, role: target.role } as const;
  });
}

/** Lock sign-in until `until` (the failure count restarts). False when the user is gone. */
export async function setUserLock(id: string, until: Date): Promise<boolean> {
  const r = await (await getDb()).user.updateMany({ where: { id }, data: { lockedUntil: until, adminLocked: true, failedLoginCount: 0 } });
  return r.count === 1;
}

/** Clear a lock and the run of failed sign-ins. False when the user is gone. */
export async function clearUserLock(id: string): Promise<boolean> {
  const r = await (await getDb()).user.updateMany({ where: { id }, data: { lockedUntil: null, adminLocked: false, failedLoginCount: 0 } });
  return r.count === 1;
}

/** The first admin, from the CLI: verified from the start (the operator vouches for the address). */
export async function insertAdminUser(input: { email: string; name: string; passwordHash: string }): Promise<AdminUserRecord> {
  return (await getDb()).user.create({
    data: { ...input, role: "ADMIN", emailVerifiedAt: new Date() },
    select: adminUserSelect,
  });
}

/** CLI promotion: no acting admin exists yet, so only the role moves. */
export async function promoteUserByEmail(email: string): Promise<{ id: string; from: Role } | null> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email }, select: { id: true, role: true } });
    if (!user) return null;
    if (user.role !== "ADMIN") {
      await tx.user.update({ where: { id: user.id }, data: { role: "ADMIN", securityVersion: { increment: 1 } } });
    }
    return { id: user.id, from: user.role };
  });
}

// ─── Audit events ─────────────────────────────────────────────────────────

export type AuditFilters = {
  type?: string;
  /** Lowercased: matches the event's email snapshot, or the events of the user who has that address now. */
  email?: string;
  ip?: string;
  /** Inclusive lower bound. */
  from?: Date;
  /** Exclusive upper bound. */
  to?: Date;
};

export type AuditEventRecord = {
  id: string;
  type: string;
  userId: string | null;
  email: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  detail: Prisma.JsonValue | null;
  createdAt: Date;
};

function auditWhere(f: AuditFilters, page: PageRequest): Prisma.AuthEventWhereInput {
  const and: Prisma.AuthEventWhereInput[] = [];
  if (f.type) and.push({ type: f.type });
  if (f.ip) and.push({ ip: f.ip });
  if (f.email) and.push({ OR: [{ email: f.email }, { user: { is: { email: f.email } } }] });
  if (f.from) and.push({ createdAt: { gte: f.from } });
  if (f.to) and.push({ createdAt: { lt: f.to } });
  const k = page.after ?? page.before;
  if (k) {
    const older = page.after !== undefined;
    and.push({ createdAt: older ? { lte: k.createdAt } : { gte: k.createdAt } });
    and.push({
      OR: [
        { createdAt: older ? { lt: k.createdAt } : { gt: k.createdAt } },
        { createdAt: k.createdAt, id: older ? { lt: k.id } : { gt: k.id } },
      ],
    });
  }
  return and.length ? { AND: and } : {};
}

/** One page of audit events matching the filters, newest first. */
export async function findAuditEventsPage(filters: AuditFilters, page: PageRequest): Promise<Page<AuditEventRecord>> {
  const dir = page.before ? "asc" : "desc";
  const rows = await (await getDb()).authEvent.findMany({
    where: auditWhere(filters, page),
    orderBy: [{ createdAt: dir }, { id: dir }],
    take: page.take + 1,
  });
  return toPage(rows, page);
}
