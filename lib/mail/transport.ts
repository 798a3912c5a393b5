import "server-only";
import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import { parseConnectionUrl } from "nodemailer/lib/shared";
import { EnvError, getEnv } from "../env";
import { storeDevMail } from "./mailbox";

/**
 * The one way Gatehouse sends mail. With SMTP_URL: nodemailer over SMTP. Without
 * it, in development and tests: the dev mailbox (JSON files under
 * `${DATA_DIR}/mailbox/`, readable at /dev/mailbox). In production without
 * SMTP_URL every send fails: a code or reset link must never end up on the
 * server's disk instead of in the user's inbox.
 */

export type MailErrorCode = "mail-send-failed" | "mail-not-configured";

/** Thrown by every failed send; callers map `code`, never `message`, to users. */
export class MailError extends Error {
  constructor(
    public readonly code: MailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MailError";
  }
}

export type OutgoingMail = { to: string; subject: string; text: string; html: string };

type MailTransport = {
  kind: "smtp" | "dev-mailbox" | "unconfigured";
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
};

// Defaults short enough that a hung SMTP server fails a request instead of
// holding it for nodemailer's 10-minute socket timeout. Query parameters in
// SMTP_URL (e.g. `?connectionTimeout=30000&pool=true`) override them.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

function smtpTransport(url: string, from: string): MailTransport {
  let options: SMTPTransport.Options;
  try {
    options = { ...SMTP_TIMEOUTS, ...parseConnectionUrl(url) };
  } catch (err) {
    // Never echo the URL: it usually carries the SMTP password.
    throw new MailError("mail-not-configured", "SMTP_URL cannot be parsed", { cause: err });
  }
  const mailer = nodemailer.createTransport(options, { from });
  return {
    kind: "smtp",
    async send(mail) {
      await mailer.sendMail({ ...mail, headers: { "Auto-Submitted": "auto-generated" } });
    },
    close: () => mailer.close(),
  };
}

// A one-line pointer for the developer's terminal. Codes are masked and the
// body is left out: logs must never carry codes or reset links.
function devNotice(mail: OutgoingMail, url: string): string {
  const subject = mail.subject.replace(/\b\d{6}\b/g, "••••••");
  return `[gatehouse] mail to ${mail.to}: ${subject} — open ${url}`.replace(/[\r\n\u2028\u2029]/g, " ");
}

function devMailboxTransport(appUrl: string, quiet: boolean): MailTransport {
  return {
    kind: "dev-mailbox",
    async send(mail) {
      const stored = await storeDevMail(mail);
      if (!quiet) console.info(devNotice(mail, `${appUrl.replace(/\/+$/, "")}/dev/mailbox/${stored.id}`));
    },
    close: () => {},
  };
}

const unconfiguredTransport: MailTransport = {
  kind: "unconfigured",
  send: async () => {
    throw new MailError("mail-not-configured", "SMTP_URL is not set: mail cannot be sent in production");
  },
  close: () => {},
};

// One transport per process, on globalThis for the same reason as the database
// client: Next bundles server code into several layers that would otherwise
// each open their own SMTP pool. `key` notices a changed configuration.
type Holder = { transport?: MailTransport; key?: string };
const globalForMail = globalThis as unknown as { __gatehouseMail?: Holder };
const holder: Holder = (globalForMail.__gatehouseMail ??= {});

/** The process-wide transport, built from the settings on first use. */
export function getMailTransport(): MailTransport {
  const env = getEnv();
  const key = JSON.stringify([env.NODE_ENV, env.SMTP_URL ?? null, env.MAIL_FROM, env.APP_URL, env.LOG_LEVEL]);
  if (holder.transport && holder.key === key) return holder.transport;
  holder.transport?.close();
  holder.transport = undefined;
  let transport: MailTransport;
  if (env.SMTP_URL) transport = smtpTransport(env.SMTP_URL, env.MAIL_FROM);
  else if (env.NODE_ENV === "production") transport = unconfiguredTransport;
  else transport = devMailboxTransport(env.APP_URL, env.LOG_LEVEL === "silent");
  holder.transport = transport;
  holder.key = key;
  return transport;
}

/** Tests only: close the transport so the next send rebuilds it from the current settings. */
export function resetMailTransportForTests(): void {
  holder.transport?.close();
  holder.transport = undefined;
  holder.key = undefined;
}

// One bare address and nothing else: a comma, angle bracket or line break
// would let a crafted value add recipients or headers.
const SINGLE_ADDRESS = /^[^\s@,;<>()"'\\]+@[^\s@,;<>()"'\\]+$/;

/** Send one mail, or throw MailError. Never swallows a failure. */
export async function sendMail(mail: OutgoingMail): Promise<void> {
  if (mail.to.length > 254 || !SINGLE_ADDRESS.test(mail.to)) {
    throw new MailError("mail-send-failed", "Recipient is not a single email address");
  }
  let transport: MailTransport;
  try {
    transport = getMailTransport();
  } catch (err) {
    if (err instanceof MailError) throw err;
    const code = err instanceof EnvError ? "mail-not-configured" : "mail-send-failed";
    throw new MailError(code, "Mail transport could not be set up", { cause: err });
  }
  try {
    await transport.send(mail);
  } catch (err) {
    if (err instanceof MailError) throw err;
    throw new MailError("mail-send-failed", `Mail could not be sent (${describe(err)})`, { cause: err });
  }
}

// nodemailer's error code and SMTP reply code say what went wrong without
// repeating addresses, server banners or credentials; the full error stays in `cause`.
function describe(err: unknown): string {
  if (typeof err !== "object" || err === null) return "unknown error";
  const { code, responseCode } = err as { code?: unknown; responseCode?: unknown };
  const parts = [typeof code === "string" ? code : null, typeof responseCode === "number" ? `SMTP ${responseCode}` : null];
  return parts.filter(Boolean).join(", ") || "unknown error";
}
