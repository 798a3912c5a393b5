import { getDb } from "../db/client";
import type { Role } from "../db/generated/enums";

/** Data access for users. Plain objects in and out; no cookies, no requests. */

export type UserRecord = {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  emailVerifiedAt: Date | null;
  failedLoginCount: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  securityVersion: number;
  signupSecretHash: string | null;
  createdAt: Date;
};

export async function findUserByEmail(email: string): Promise<UserRecord | null> {
  return (await getDb()).user.findUnique({ where: { email } });
}

export async function findUserById(id: string): Promise<UserRecord | null> {
  return (await getDb()).user.findUnique({ where: { id } });
}

export class EmailTakenError extends Error {
  constructor() {
    super("email already registered");
    this.name = "EmailTakenError";
  }
}

/** Insert a user; a concurrent sign-up with the same email gets EmailTakenError. */
export async function createUser(input: {
  email: string;
  name: string;
  passwordHash: string;
  signupSecretHash?: string;
}): Promise<UserRecord> {
  try {
    return await (await getDb()).user.create({ data: input });
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new EmailTakenError();
    throw err;
  }
}

export async function deleteUser(id: string): Promise<void> {
  await (await getDb()).user.deleteMany({ where: { id } });
}

/**
 * A new sign-up for an address whose account is still pending (never proven)
 * takes the account over: name, password and signup secret are replaced and the
 * credentials version moves on, so nothing the earlier registrant chose
 * survives. Conditional on the account still being pending, in one statement:
 * a verification that commits first wins, and this matches nothing (null).
 */
export async function replacePendingUser(input: {
  id: string;
  name: string;
  passwordHash: string;
  signupSecretHash: string;
}): Promise<UserRecord | null> {
  const rows = await (await getDb()).$queryRaw<Array<{ id: string }>>`
    UPDATE "users" SET "name" = ${input.name}, "password_hash" = ${input.passwordHash},
      "signup_secret_hash" = ${input.signupSecretHash}, "security_version" = "security_version" + 1,
      "failed_login_count" = 0, "updated_at" = now()
    WHERE "id" = ${input.id}::uuid AND "email_verified_at" IS NULL
    RETURNING "id"::text AS "id"`;
  return rows[0] ? findUserById(rows[0].id) : null;
}

/** A right password on a pending account: this client gets a fresh signup secret (the other one stops working). */
export async function rotateSignupSecret(input: { id: string; securityVersion: number; signupSecretHash: string }): Promise<boolean> {
  const n = await (await getDb()).$executeRaw`
    UPDATE "users" SET "signup_secret_hash" = ${input.signupSecretHash}
    WHERE "id" = ${input.id}::uuid AND "email_verified_at" IS NULL AND "security_version" = ${input.securityVersion}`;
  return n === 1;
}

/**
 * The mailbox was proven by someone who is not the registrant (no signup
 * secret): mark the address verified and make the pending password useless
 * (a hash nothing matches) and the version new, so that whoever chose it cannot
 * sign in. The owner then chooses a password through a reset link. Not for
 * locked accounts (an admin's lock holds). True when this call made the change.
 */
export async function verifyEmailDiscardingPassword(input: { id: string; unusableHash: string }): Promise<boolean> {
  const n = await (await getDb()).$executeRaw`
    UPDATE "users" SET "email_verified_at" = now(), "signup_secret_hash" = NULL,
      "password_hash" = ${input.unusableHash}, "security_version" = "security_version" + 1, "updated_at" = now()
    WHERE "id" = ${input.id}::uuid AND "email_verified_at" IS NULL
      AND ("locked_until" IS NULL OR "locked_until" <= now())`;
  return n === 1;
}

type UserRow = {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  email_verified_at: Date | null;
  failed_login_count: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  security_version: number;
  signup_secret_hash: string | null;
  created_at: Date;
};

/**
 * A sign-in's first statement: find the account by address AND reserve one
 * attempt (before the password is checked, so a burst of parallel guesses
 * cannot all be checked against a stale "not locked" read). `attempt` is the
 * new consecutive count, or null while a lock is in force (nothing counted).
 * An unknown address runs the very same statement and matches nothing, so
 * both answers cost the same database work.
 */
export async function claimSignInAttempt(email: string): Promise<{ user: UserRecord; attempt: number | null } | null> {
  const rows = await (await getDb()).$queryRaw<Array<UserRow & { claimed: boolean }>>`
    UPDATE "users" SET "failed_login_count" = CASE
        WHEN "locked_until" IS NULL OR "locked_until" <= now() THEN "failed_login_count" + 1
        ELSE "failed_login_count" END
    WHERE "email" = ${email}
    RETURNING "id"::text AS "id", "email", "name", "password_hash", "role"::text AS "role", "email_verified_at",
      "failed_login_count", "locked_until", "last_login_at", "security_version", "signup_secret_hash", "created_at",
      ("locked_until" IS NULL OR "locked_until" <= now()) AS "claimed"`;
  const r = rows[0];
  if (!r) return null;
  const user: UserRecord = {
    id: r.id,
    email: r.email,
    name: r.name,
    passwordHash: r.password_hash,
    role: r.role,
    emailVerifiedAt: r.email_verified_at,
    failedLoginCount: r.failed_login_count,
    lockedUntil: r.locked_until,
    lastLoginAt: r.last_login_at,
    securityVersion: r.security_version,
    signupSecretHash: r.signup_secret_hash,
    createdAt: r.created_at,
  };
  return { user, attempt: r.claimed ? r.failed_login_count : null };
}

/** Give back an attempt that was claimed but never checked (the bcrypt queue was full: not the person's failure). */
export async function releaseLoginAttempt(id: string): Promise<void> {
  await (await getDb()).$executeRaw`
    UPDATE "users" SET "failed_login_count" = GREATEST("failed_login_count" - 1, 0) WHERE "id" = ${id}::uuid`;
}

export async function clearFailedLogins(id: string): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { failedLoginCount: 0 } });
}

/**
 * The brute-force lock. It never shortens or replaces a lock already in place
 * (an admin's, or a longer one): only an unlocked or expired row is locked.
 */
export async function lockUser(id: string, until: Date): Promise<void> {
  await (await getDb()).$executeRaw`
    UPDATE "users" SET "locked_until" = ${until}, "admin_locked" = false, "failed_login_count" = 0
    WHERE "id" = ${id}::uuid AND ("locked_until" IS NULL OR "locked_until" <= now())`;
}

export async function updateUserName(id: string, name: string): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { name } });
}

/**
 * A signed-in password change, in one statement: the new hash is stored only if
 * the credentials are still the ones that were checked (`expectedVersion`; a
 * reset or lock that committed meanwhile wins), the version moves on, the
 * acting session is re-stamped with it and every other session is revoked.
 * Returns how many sessions were revoked, or null when nothing was changed.
 */
export async function changePasswordRow(input: {
  id: string;
  passwordHash: string;
  expectedVersion: number;
  keepSessionId: string;
  reason: string;
}): Promise<number | null> {
  const rows = await (await getDb()).$queryRaw<Array<{ changed: boolean; revoked: number }>>`
    WITH u AS (
      UPDATE "users" SET "password_hash" = ${input.passwordHash}, "security_version" = "security_version" + 1, "updated_at" = now()
      WHERE "id" = ${input.id}::uuid AND "security_version" = ${input.expectedVersion}
      RETURNING "id", "security_version"
    ), keep AS (
      UPDATE "sessions" s SET "security_version" = u."security_version" FROM u
      WHERE s."id" = ${input.keepSessionId}::uuid AND s."user_id" = u."id"
      RETURNING s."id"
    ), revoked AS (
      UPDATE "sessions" s SET "revoked_at" = now(), "revoked_reason" = ${input.reason} FROM u
      WHERE s."user_id" = u."id" AND s."revoked_at" IS NULL AND s."id" <> ${input.keepSessionId}::uuid
      RETURNING s."id"
    )
    SELECT EXISTS (SELECT 1 FROM u) AS "changed", (SELECT count(*) FROM revoked)::int AS "revoked"`;
  const row = rows[0];
  return row?.changed ? row.revoked : null;
}

/**
 * Move the account to a new, just-proven address (marked verified now). A
 * pending account that holds the address (someone signed up with it and never
 * proved it) gives way: the person who just proved the mailbox owns it. An
 * address that another verified account holds (or took meanwhile) gets
 * EmailTakenError.
 */
export async function changeUserEmail(id: string, email: string): Promise<void> {
  const db = await getDb();
  try {
    await db.$transaction([
      db.user.deleteMany({ where: { email, emailVerifiedAt: null, id: { not: id } } }),
      db.user.update({ where: { id }, data: { email, emailVerifiedAt: new Date() } }),
    ]);
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new EmailTakenError();
    throw err;
  }
}

export type UserEventRecord = {
  id: string;
  type: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
};

/**
 * One page of a user's own auth events, newest first (ties broken by id, so
 * pages never overlap). Read through the user relation: only this user's rows.
 */
export async function listUserEventsPage(userId: string, opts: { skip: number; take: number }): Promise<UserEventRecord[]> {
  const user = await (await getDb()).user.findUnique({
    where: { id: userId },
    select: {
      events: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        skip: opts.skip,
        take: opts.take,
        select: { id: true, type: true, ip: true, userAgent: true, createdAt: true },
      },
    },
  });
  return user?.events ?? [];
}
