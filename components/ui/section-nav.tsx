"use client";
import Link, { useLinkStatus } from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { Spinner } from "./button";
import { cn } from "./class-names";

export type SectionLink = { href: string; label: string };

/**
 * A section's side navigation (account, admin). The current page is marked with
 * aria-current, not only colour; `footer` adds items below the section's own.
 */
export function SectionNav({ label, links, footer }: { label: string; links: readonly SectionLink[]; footer?: ReactNode }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label}>
      <ul className="flex gap-1 overflow-x-auto md:flex-col">
        {links.map(({ href, label: text }) => {
          const current = pathname === href || pathname.startsWith(`${href}/`);
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "block rounded-md px-3 py-2 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-brand-500",
                  current
                    ? "bg-brand-50 text-brand-700 dark:bg-brand-950 dark:text-brand-300"
                    : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
                )}
              >
                {text}
                <PendingMark />
              </Link>
            </li>
          );
        })}
        {footer}
      </ul>
    </nav>
  );
}

/**
 * A spinner beside the link being followed. The account pages have no loading.tsx:
 * its Suspense fallback is all a browser without JavaScript ever showed ("Loading…"),
 * since only script swaps the streamed page in. A page now arrives whole, and this
 * mark is the feedback a client-side navigation gives meanwhile.
 */
function PendingMark() {
  const { pending } = useLinkStatus();
  return pending ? <Spinner className="ml-2 inline size-3.5 align-[-2px]" /> : null;
}
