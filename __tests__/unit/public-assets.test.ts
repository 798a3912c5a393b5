import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { formatLockedUntil } from "@/app/admin/format";
import { LOCKED_INDEFINITELY_UNTIL } from "@/lib/auth/admin";
import { displayIp } from "@/lib/validation/ip";

// Issue 15, defect 7: the small things a person sees first.

const ROOT = path.resolve(__dirname, "../..");

describe("public/", () => {
  it("has an SVG favicon that the root layout's metadata names", () => {
    const icon = readFileSync(path.join(ROOT, "public/favicon.svg"), "utf8");
    expect(icon).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(icon).not.toMatch(/<script|href=/i); // a static image, nothing to run or fetch
    const layout = readFileSync(path.join(ROOT, "app/layout.tsx"), "utf8");
    expect(layout).toMatch(/icons: \{ icon: \{ url: "\/favicon\.svg", type: "image\/svg\+xml" \} \}/);
  });

  it("has a robots.txt that keeps crawlers out of /admin, /account, /dashboard, /api and /dev", () => {
    expect(existsSync(path.join(ROOT, "public/robots.txt"))).toBe(true);
    const lines = readFileSync(path.join(ROOT, "public/robots.txt"), "utf8").split("\n").map((l) => l.trim());
    expect(lines).toContain("User-agent: *");
    for (const p of ["/admin", "/account", "/dashboard", "/api", "/dev"]) expect(lines).toContain(`Disallow: ${p}`);
    expect(lines).not.toContain("Disallow: /"); // the sign-in and sign-up pages stay findable
  });
});

describe("formatLockedUntil (admin pages)", () => {
  it("says an indefinite lock lasts until an admin unlocks it, never 'Until 31 Dec 9999'", () => {
    expect(formatLockedUntil(LOCKED_INDEFINITELY_UNTIL)).toBe("Until an admin unlocks it");
    expect(formatLockedUntil(new Date("2026-05-01T12:00:00Z"))).toBe("Until 1 May 2026, 12:00 UTC");
  });
});

describe("displayIp (admin user, audit, account activity and sessions pages)", () => {
  it("shows an IPv4-mapped address stored by older rows as IPv4, and everything else as stored", () => {
    expect(displayIp("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(displayIp("::FFFF:203.0.113.9")).toBe("203.0.113.9");
    expect(displayIp("203.0.113.9")).toBe("203.0.113.9");
    expect(displayIp("2001:db8::1")).toBe("2001:db8::1");
    expect(displayIp("unknown")).toBe("unknown");
    expect(displayIp(null)).toBeNull();
  });
});
