import { getDb } from "../db/client";

/** Password reset tokens: only SHA-256 digests are stored, never the token itself. */

export type ResetTokenRecord = {
  id: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
};

/**
 * Store a new token digest and retire every unused token of the user in the
 * same transaction: only the newest link works.
 */
export async function replaceResetToken(input: { userId: string; tokenHash: string; expiresAt: Date }): Promise<void> {
  const db = await getDb();
  await db.$transaction([
    db.resetToken.updateMany({ where: { userId: input.userId, usedAt: null }, data: { usedAt: new Date() } }),
    db.resetToken.create({ data: input }),
  ]);
}

export async function findResetToken(tokenHash: string): Promise<ResetTokenRecord | null> {
  return (await getDb()).resetToken.findUnique({
    where: { tokenHash },
    select: { id: true, userId: true, expiresAt: true, usedAt: true },
  });
}

/**
 * Spend a token and set the new password in ONE statement: the claim is a
 * conditional update (unused and unexpired), so of any number of concurrent
 * submits exactly one matches the row; under READ COMMITTED the others wait
 * for its commit, re-check `used_at`, match nothing and write nothing. A single
 * statement holds a connection for milliseconds, so a burst of submits never
 * queues behind an open interactive transaction.
 * The winner also clears the sign-in lock (a reset works while locked) and
 * marks the address verified (the mailbox was just proven); its other
 * outstanding tokens are retired right after.
 */
export async function consumeResetToken(input: { tokenHash: string; passwordHash: string }): Promise<{ userId: string } | null> {
  const db = await getDb();
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    WITH claimed AS (
      UPDATE "reset_tokens" SET "used_at" = now()
      WHERE "token_hash" = ${input.tokenHash} AND "used_at" IS NULL AND "expires_at" > now()
      RETURNING "user_id"
    )
    UPDATE "users" SET
      "password_hash" = ${input.passwordHash},
      "failed_login_count" = 0,
      -- A reset ends a brute-force lock (SECURITY.md), never a lock an admin set.
      "locked_until" = CASE WHEN "admin_locked" THEN "locked_until" ELSE NULL END,
      "security_version" = "security_version" + 1,
      "email_verified_at" = COALESCE("email_verified_at", now()),
      -- The mailbox owner chose this password: a pending registration's secret dies.
      "signup_secret_hash" = NULL,
      "updated_at" = now()
    FROM claimed
    WHERE "users"."id" = claimed."user_id"
    RETURNING "users"."id"::text AS "id"`;
  const userId = rows[0]?.id;
  if (!userId) return null;
  await invalidateUserResetTokens(userId);
  return { userId };
}

/** Retire every unused token of a user (after a password or email change). Returns how many. */
export async function invalidateUserResetTokens(userId: string): Promise<number> {
  const r = await (await getDb()).resetToken.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
  return r.count;
}
