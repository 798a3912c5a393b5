import "server-only";
import { replaceResetToken } from "../data/reset-tokens";
import { getEnv } from "../env";
import { RESET_TOKEN_TTL_SECONDS } from "./constants";
import { randomToken, sha256Hex } from "./crypto";

/** The link in the mail: always under the configured APP_URL, never the request's Host. */
export function resetLink(token: string): string {
  return `${getEnv().APP_URL.replace(/\/+$/, "")}/reset-password?token=${encodeURIComponent(token)}`;
}

/**
 * Make a fresh single-use reset link for the account (32 random bytes, only the
 * SHA-256 stored, 30 minutes); it retires every older link. Used by reset
 * requests (lib/auth/recovery.ts) and by the lock notice (lib/auth/lockout.ts),
 * whose link is the owner's way back in.
 */
export async function issueResetLink(userId: string): Promise<string> {
  const token = randomToken(32);
  await replaceResetToken({
    userId,
    tokenHash: sha256Hex(token),
    expiresAt: new Date(Date.now() + RESET_TOKEN_TTL_SECONDS * 1000),
  });
  return resetLink(token);
}
