import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { devMailboxDir, listDevMails } from "@/lib/mail/mailbox";
import { MailCard } from "./mail-card";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Dev mailbox", robots: { index: false, follow: false } };

/** Development only: the mails Gatehouse "sent" without SMTP_URL, newest first. */
export default async function DevMailboxPage() {
  // The mailbox holds codes and reset links: it must not exist in production,
  // whatever the data directory happens to contain.
  if (process.env.NODE_ENV === "production") notFound();

  const mails = await listDevMails(50);
  return (
    <section className="space-y-6">
      <div className="space-y-2">
        <h1 className="text-3xl font-bold tracking-tight">Dev mailbox</h1>
        <p className="text-zinc-600 dark:text-zinc-300">
          Without <code className="font-mono">SMTP_URL</code>, mail is stored here instead of being sent. Newest first;
          files in <code className="font-mono">{devMailboxDir()}</code>.
        </p>
      </div>
      {mails.length === 0 ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No mail yet. Create an account and the verification code will show up here.
        </p>
      ) : (
        <ol className="space-y-6">
          {mails.map((mail, i) => (
            <li key={mail.id}>
              <MailCard mail={mail} open={i === 0} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
