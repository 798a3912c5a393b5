import { getDb } from "../db/client";
import type { OtpPurpose } from "../db/generated/enums";

/** Email codes: only keyed hashes are stored. */

export type OtpRecord = {
  id: string;
  userId: string;
  purpose: OtpPurpose;
  codeHash: string;
  email: string;
  attempts: number;
  expiresAt: Date;
  consumedAt: Date | null;
};

/** Store a new code and invalidate every older live code of the same user and purpose. */
export async function replaceOtpCode(input: {
  userId: string;
  purpose: OtpPurpose;
  codeHash: string;
  email: string;
  expiresAt: Date;
}): Promise<void> {
  const db = await getDb();
  await db.$transaction([
    db.otpCode.updateMany({
      where: { userId: input.userId, purpose: input.purpose, consumedAt: null },
      data: { consumedAt: new Date() },
    }),
    db.otpCode.create({ data: input }),
  ]);
}

/** The newest live code of a user for a purpose. */
export async function findLiveOtpCode(userId: string, purpose: OtpPurpose): Promise<OtpRecord | null> {
  return (await getDb()).otpCode.findFirst({
    where: { userId, purpose, consumedAt: null, expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
  });
}

/** Count a wrong try; returns the new count (atomic). */
export async function recordOtpAttempt(id: string): Promise<number> {
  const r = await (await getDb()).otpCode.update({
    where: { id },
    data: { attempts: { increment: 1 } },
    select: { attempts: true },
  });
  return r.attempts;
}

/** Mark a code used; true only for the one caller that won (single use under concurrency). */
export async function consumeOtpCode(id: string, maxAttempts: number): Promise<boolean> {
  const r = await (await getDb()).otpCode.updateMany({
    where: { id, consumedAt: null, expiresAt: { gt: new Date() }, attempts: { lt: maxAttempts } },
    data: { consumedAt: new Date() },
  });
  return r.count === 1;
}

export async function killOtpCode(id: string): Promise<void> {
  await (await getDb()).otpCode.updateMany({ where: { id, consumedAt: null }, data: { consumedAt: new Date() } });
}
