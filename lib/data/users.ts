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

/** Count one failed sign-in atomically; returns the new consecutive count. */
export async function recordFailedLogin(id: string): Promise<number> {
  const u = await (await getDb()).user.update({
    where: { id },
    data: { failedLoginCount: { increment: 1 } },
    select: { failedLoginCount: true },
  });
  return u.failedLoginCount;
}

export async function lockUser(id: string, until: Date): Promise<void> {
  await (await getDb()).user.update({ where: { id }, data: { lockedUntil: until, failedLoginCount: 0 } });
}

export async function recordSuccessfulLogin(id: string): Promise<void> {
  await (await getDb()).user.update({
    where: { id },
    data: { failedLoginCount: 0, lockedUntil: null, lastLoginAt: new Date() },
  });
}
