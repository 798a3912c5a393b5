import "server-only";
import { log } from "../log";
import { MailError } from "../mail/transport";
import { consume, refund, type RuleName } from "./rate-limit";

/**
 * The per-recipient cap on mail a stranger can make the app send (SECURITY.md
 * "Across requests and people"): sign-up notices, confirmation and email-change
 * codes, reset links and lock notices. Counted per address and kind, whoever
 * asks and from whichever IP, so neither many addresses nor many accounts get
 * one inbox more than the cap an hour.
 *
 * The budget is spent before anything the mail would carry is made (a code, a
 * reset token): a capped request then changes nothing, so the newest mail in
 * the owner's inbox always holds the live code or link. Callers answer exactly
 * as when the mail goes out (no enumeration): a capped mail is simply not sent.
 */

export type StrangerMailKind = "sign-up-notice" | "verification-code" | "email-change-code" | "reset-link" | "lock-notice";

// Codes may be resent up to OTP_MAX_SENDS_PER_HOUR times by an honest person; the rest get the tighter cap.
const RULE_BY_KIND: Record<StrangerMailKind, RuleName> = {
  "sign-up-notice": "mailPerRecipient",
  "verification-code": "codeMailPerRecipient",
  "email-change-code": "codeMailPerRecipient",
  "reset-link": "mailPerRecipient",
  "lock-notice": "mailPerRecipient",
};

const budgetKey = (address: string, kind: StrangerMailKind) => `${kind}:${address.trim().toLowerCase()}`;

/** Spend one mail of `kind` to `address`; false once this hour's budget is gone (send nothing then). */
export async function mayMail(address: string, kind: StrangerMailKind): Promise<boolean> {
  const r = await consume(RULE_BY_KIND[kind], budgetKey(address, kind));
  if (!r.allowed) {
    // No audit row: a flood would turn into a flood of rows. The address stays out of the log.
    log().info({ kind, retryAfter: r.retryAfter }, "mail to one recipient capped for the hour");
  }
  return r.allowed;
}

/** Give the mail back when it could not be sent (SMTP down): a retry once mail works is not refused. */
export async function refundMail(address: string, kind: StrangerMailKind): Promise<void> {
  await refund(RULE_BY_KIND[kind], budgetKey(address, kind));
}

/**
 * The stored name, only once the address is proven. Before that it may be a
 * stranger's words (whoever signed up first chose it), so mails to the address
 * greet without it.
 */
export function provenName(user: { name: string; emailVerifiedAt: Date | null }): string | null {
  return user.emailVerifiedAt ? user.name : null;
}

/**
 * Send one capped mail: past the recipient's cap nothing runs (false); `send`
 * makes whatever the mail carries (a token, a code) and delivers it. A delivery
 * failure gives the spent place back, so asking again once mail works is not
 * refused, and is rethrown.
 */
export async function sendWithinMailCap(address: string, kind: StrangerMailKind, send: () => Promise<void>): Promise<boolean> {
  if (!(await mayMail(address, kind))) return false;
  try {
    await send();
  } catch (err) {
    if (err instanceof MailError) await refundMail(address, kind);
    throw err;
  }
  return true;
}
