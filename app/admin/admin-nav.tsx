import Link from "next/link";
import { SectionNav } from "@/components/ui/section-nav";

const links = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/audit", label: "Audit log" },
] as const;

/** Admin section links, with a way back to the admin's own account. */
export function AdminNav() {
  return (
    <SectionNav
      label="Administration"
      links={links}
      footer={
        <li className="md:mt-2 md:border-t md:border-zinc-200 md:pt-2 dark:md:border-zinc-800">
          <Link
            href="/dashboard"
            className="block rounded-md px-3 py-2 text-sm whitespace-nowrap text-zinc-600 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-brand-500 dark:text-zinc-400 dark:hover:bg-zinc-800"
          >
            ← Your account
          </Link>
        </li>
      }
    />
  );
}
