import { SectionNav } from "@/components/ui/section-nav";

const links = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/account/profile", label: "Profile" },
  { href: "/account/sessions", label: "Sessions" },
  { href: "/account/activity", label: "Activity" },
] as const;

/** Account section links. */
export function AccountNav() {
  return <SectionNav label="Account" links={links} />;
}
