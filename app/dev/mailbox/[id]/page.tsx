import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDevMail } from "@/lib/mail/mailbox";
import { MailCard } from "../mail-card";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Dev mailbox", robots: { index: false, follow: false } };

/** Development only: one stored mail. */
export default async function DevMailPage({ params }: { params: Promise<{ id: string }> }) {
  // Same guard as the list: no dev mailbox in production.
  if (process.env.NODE_ENV === "production") notFound();

  const { id } = await params;
  const mail = await getDevMail(id);
  if (!mail) notFound();
  return (
    <section className="space-y-6">
      <Link href="/dev/mailbox" className="text-sm font-medium text-brand-600 hover:underline">
        ← All mail
      </Link>
      <MailCard mail={mail} open linkToDetail={false} />
    </section>
  );
}
