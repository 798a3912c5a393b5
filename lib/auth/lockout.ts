import "server-only";
import type { UserRecord } from "../data/users";
import { sendAccountLockedMail } from "../mail";
import { runInBackground } from "./background";
import { LOCKOUT_SECONDS, RESET_TOKEN_TTL_SECONDS } from "./constants";
import { provenName, sendWithinMailCap } from "./mail-budget";
import { issueResetLink } from "./reset-link";

/**
 * What happens when wrong passwords pause sign-in (docs/security-checklist.md,
 * "Lockout design"). Anyone who knows an address can trigger the pause, so it
 * must never leave the owner without a way in: the owner is mailed a notice
 * with a one-time reset link, and a completed reset ends the pause (a lock an
 * admin set stays; see consumeResetToken). Only the mailbox owner has the link.
 */

/**
 * Mail the owner that sign-in is paused, with a fresh reset link. Runs after
 * the answer: the sign-in that triggered the lock answers like every other
 * failure, in the same time, so the notice cannot tell a prober that the
 * account exists. Capped per recipient like every mail a stranger can trigger;
 * past the cap no new link is made, so the last one mailed stays valid.
 */
export function notifyAccountLocked(user: Pick<UserRecord, "id" | "email" | "name" | "emailVerifiedAt">): void {
  runInBackground("lock-notice-mail", async () => {
    await sendWithinMailCap(user.email, "lock-notice", async () => {
      const resetUrl = await issueResetLink(user.id);
      await sendAccountLockedMail(user.email, {
        name: provenName(user),
        resetUrl,
        expiresInMinutes: RESET_TOKEN_TTL_SECONDS / 60,
        pausedMinutes: LOCKOUT_SECONDS / 60,
      });
    });
  });
}
