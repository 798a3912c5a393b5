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
export async function createUser(input: { email: string; name: string; passwordHash: string }): Promise<UserRecord> {
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

export async function markEmailVerified(id: string): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { emailVerifiedAt: new Date() } });
}

/**
 * Reserve one sign-in attempt atomically, before the password is checked:
 * returns the new consecutive count, or null while the account is locked.
 */
export async function claimLoginAttempt(id: string): Promise<number | null> {
  const rows = await (await getDb()).$queryRaw<Array<{ failed_login_count: number }>>`
    UPDATE "users" SET "failed_login_count" = "failed_login_count" + 1
    WHERE "id" = ${id}::uuid AND ("locked_until" IS NULL OR "locked_until" <= now())
    RETURNING "failed_login_count"`;
  return rows[0]?.failed_login_count ?? null;
}

export async function clearFailedLogins(id: string): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { failedLoginCount: 0 } });
}

export async function lockUser(id: string, until: Date): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { lockedUntil: until, adminLocked: false, failedLoginCount: 0 } });
}

export async function recordSuccessfulLogin(id: string): Promise<void> {
  await (await getDb()).user.update({
    where: { id },
    data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: new Date() },
  });
}

export async function updateUserName(id: string, name: string): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { name } });
}

/** Store a new password hash; bumps securityVersion (the password changed). */
export async function updatePasswordHash(id: string, passwordHash: string): Promise<void> {
  await (await getDb()).user.update({
    where: { id },
    data: { passwordHash, securityVersion: { increment: 1 } },
  });
}

/**
 * Move the account to a new, just-proven address (marked verified now). An
 * address that another account holds (or took meanwhile) gets EmailTakenError.
 */
export async function changeUserEmail(id: string, email: string): Promise<void> {
  try {
    await (await getDb()).user.update({ where: { id }, data: { email, emailVerifiedAt: new Date() } });
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
