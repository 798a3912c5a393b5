import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerError } from "smtp-server";

/**
 * A real SMTP server on 127.0.0.1 for integration tests: it accepts every mail
 * (no auth, no TLS), parses it with mailparser and keeps it in `mails`.
 * `fail(true)` makes it answer 554 to every message, for failure tests.
 */
export type SmtpSink = {
  port: number;
  /** smtp://127.0.0.1:port, ready for SMTP_URL */
  url: string;
  mails: ParsedMail[];
  waitForMail(predicate: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
  fail(on: boolean): void;
};

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const waiters = new Set<() => void>();
  let failing = false;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // No reverse DNS lookup of 127.0.0.1: saves ~150 ms per mail.
    disableReverseLookup: true,
    // Close promptly in afterAll instead of waiting for the 30 s default.
    closeTimeout: 100,
    onData(stream, _session, callback) {
      if (failing) {
        // Read the whole message first: the reply comes after the final dot.
        stream.resume();
        stream.on("end", () => {
          const err: SMTPServerError = new Error("Message rejected by the test sink");
          err.responseCode = 554;
          callback(err);
        });
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          for (const wake of waiters) wake();
          callback();
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    waitForMail(predicate, timeoutMs = 5_000) {
      return new Promise<ParsedMail>((resolve, reject) => {
        const check = (): boolean => {
          const found = mails.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`No matching mail within ${timeoutMs} ms (received ${mails.length})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    fail(on) {
      failing = on;
    },
  };
}

/** The 6-digit code in a mail's text part; throws when there is none. */
export function extractCode(mail: ParsedMail): string {
  const code = mail.text?.match(/\b\d{6}\b/)?.[0];
  if (!code) throw new Error(`No 6-digit code in mail "${mail.subject ?? ""}"`);
  return code;
}

/** The first link in a mail's text part whose path starts with `pathPrefix`; throws when there is none. */
export function extractLink(mail: ParsedMail, pathPrefix: string): string {
  for (const candidate of mail.text?.match(/https?:\/\/[^\s<>"']+/g) ?? []) {
    try {
      if (new URL(candidate).pathname.startsWith(pathPrefix)) return candidate;
    } catch {
      // not a URL after all; keep looking
    }
  }
  throw new Error(`No link to ${pathPrefix} in mail "${mail.subject ?? ""}"`);
}
