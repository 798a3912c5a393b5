import Link from "next/link";
import type { DevMail } from "@/lib/mail/mailbox";
import { CopyButton } from "./copy-button";

/** What a developer came for: the 6-digit code, else the first link of the text part. */
export function mailHighlight(text: string): { kind: "code" | "link"; value: string } | null {
  const code = text.match(/\b\d{6}\b/)?.[0];
  if (code) return { kind: "code", value: code };
  const link = text.match(/https?:\/\/[^\s<>"']+/)?.[0];
  return link ? { kind: "link", value: link } : null;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(d)} UTC`;
}

/** One stored mail: headers, the code or link with a copy button, the text part and the rendered HTML part. */
export function MailCard({ mail, open = false, linkToDetail = true }: { mail: DevMail; open?: boolean; linkToDetail?: boolean }) {
  const highlight = mailHighlight(mail.text);
  return (
    <article className="space-y-4 rounded-lg border border-zinc-200 p-5 dark:border-zinc-800" aria-labelledby={`mail-${mail.id}`}>
      <header className="space-y-1">
        <h2 id={`mail-${mail.id}`} className="text-lg font-semibold">
          {linkToDetail ? (
            <Link href={`/dev/mailbox/${mail.id}`} className="hover:underline">
              {mail.subject}
            </Link>
          ) : (
            mail.subject
          )}
        </h2>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          To <span className="font-medium text-zinc-900 dark:text-zinc-100">{mail.to}</span> ·{" "}
          <time dateTime={mail.createdAt}>{formatTime(mail.createdAt)}</time>
        </p>
      </header>

      {highlight && (
        <div className="flex flex-wrap items-center gap-3 rounded-md bg-brand-50 p-3 dark:bg-zinc-900">
          <code
            className={
              highlight.kind === "code"
                ? "font-mono text-3xl font-bold tracking-[0.3em] text-brand-700 dark:text-brand-100"
                : "font-mono text-sm break-all text-brand-700 dark:text-brand-100"
            }
          >
            {highlight.value}
          </code>
          <CopyButton value={highlight.value} label={highlight.kind === "code" ? "Copy code" : "Copy link"} />
          {highlight.kind === "link" && (
            <a href={highlight.value} className="text-sm font-medium text-brand-600 hover:underline">
              Open link
            </a>
          )}
        </div>
      )}

      <details open={open} className="group">
        <summary className="cursor-pointer text-sm font-medium">Text part</summary>
        <pre className="mt-2 overflow-x-auto rounded-md bg-zinc-50 p-3 text-sm whitespace-pre-wrap dark:bg-zinc-900">
          {mail.text}
        </pre>
      </details>

      <details open={open}>
        <summary className="cursor-pointer text-sm font-medium">HTML part</summary>
        {/* sandbox="" : no scripts, no forms, no same-origin access, no top navigation. */}
        <iframe
          sandbox=""
          srcDoc={mail.html}
          title={`HTML part of “${mail.subject}”`}
          className="mt-2 h-96 w-full rounded-md border border-zinc-200 bg-white dark:border-zinc-800"
        />
      </details>
    </article>
  );
}
