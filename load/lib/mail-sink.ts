import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer } from "smtp-server";

/**
 * A real SMTP server on 127.0.0.1 for the load and fault runs. Unlike the test
 * helper (__tests__/helpers/smtp-sink.ts), it keeps mail by recipient (200
 * virtual users wait at once: a linear scan per mail would dominate the load
 * generator's CPU) and it can be stopped and started again on the same port,
 * so the app's SMTP_URL stays valid across an outage.
 */
export type MailSink = {
  port: number;
  url: string;
  /** Mails received so far. */
  received(): number;
  /** The next mail to `to` after the ones already taken, within `timeoutMs`. */
  nextMailTo(to: string, timeoutMs?: number): Promise<{ subject: string; text: string }>;
  /** Forget the mails to `to` received so far (the next nextMailTo waits for a new one). */
  discard(to: string): void;
  /** Stop listening (new connections are refused). */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
};

type Mail = { subject: string; text: string };

function recipients(to: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(to) ? to : to ? [to] : [];
  return list.flatMap((a) => a.value.map((v) => (v.address ?? "").toLowerCase()));
}

export async function startMailSink(): Promise<MailSink> {
  const inbox = new Map<string, Mail[]>();
  const waiting = new Map<string, (m: Mail) => void>();
  let count = 0;

  const deliver = (to: string, mail: Mail) => {
    const wake = waiting.get(to);
    if (wake) {
      waiting.delete(to);
      wake(mail);
      return;
    }
    const box = inbox.get(to) ?? [];
    box.push(mail);
    inbox.set(to, box);
  };

  let server: SMTPServer | undefined;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 100,
      // Far above the default 100: 200 users sign up at once.
      maxClients: 1000,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            count++;
            const mail = { subject: parsed.subject ?? "", text: parsed.text ?? "" };
            for (const to of recipients(parsed.to)) deliver(to, mail);
            callback();
          })
          .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
      },
    });
    const s = server;
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.server.address() as AddressInfo).port;
  };
  await listen();

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received: () => count,
    nextMailTo(rawTo, timeoutMs = 30_000) {
      const to = rawTo.toLowerCase();
      const box = inbox.get(to);
      const first = box?.shift();
      if (first) return Promise.resolve(first);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(to);
          reject(new Error(`No mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(to, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    discard(to) {
      inbox.delete(to.toLowerCase());
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}

/** The 6-digit code in a mail's text; throws when there is none. */
export function codeIn(mail: { subject: string; text: string }): string {
  const code = /\b\d{6}\b/.exec(mail.text)?.[0];
  if (!code) throw new Error(`No 6-digit code in mail "${mail.subject}"`);
  return code;
}
