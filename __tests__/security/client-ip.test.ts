/**
 * SECURITY.md "Per client IP" (issue 14, item 4): behind a trusted proxy the
 * client is the right-most forwarded address minus the trusted hops, never the
 * left-most one the client writes; IPv6 clients are limited per /64. The
 * address rules themselves are unit-tested in __tests__/unit/client-ip.test.ts.
 */
import { NextRequest } from "next/server";
import { POST as FORGOT } from "@/app/api/auth/forgot-password/route";
import { IP_LIMIT } from "@/lib/auth/constants";
import { setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

const h = setupAuthHarness();

const APP = "http://localhost:3000";

/** One forgot-password request as a proxy would pass it on, with `xff` as its X-Forwarded-For. */
async function forgot(xff: string): Promise<number> {
  const req = new NextRequest(new URL("/api/auth/forgot-password", APP), {
    method: "POST",
    headers: { "content-type": "application/json", "x-forwarded-for": xff },
    body: JSON.stringify({ email: uniqueEmail("forgot") }),
  });
  return (await FORGOT(req)).status;
}

/** How many of `count` requests passed before the first 429, and how many were refused. */
async function spend(count: number, xffOf: (i: number) => string): Promise<{ passed: number; limited: number }> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await forgot(xffOf(i)));
  return { passed: statuses.indexOf(429) === -1 ? statuses.length : statuses.indexOf(429), limited: statuses.filter((s) => s === 429).length };
}

describe("the per-IP limit behind a trusted proxy", () => {
  it("40 forgot-password requests with spoofed first hops from one client behind a 1-hop proxy hit the limit at its number", async () => {
    // nginx with proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for: the client's own
    // header, then the address nginx saw. TRUST_PROXY_HOPS defaults to 1.
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for", TRUST_PROXY_HOPS: undefined });
    const result = await spend(40, (i) => `10.${i}.${i}.1, 192.0.2.${i}, 198.51.100.40`);
    expect(result).toEqual({ passed: IP_LIMIT.points, limited: 40 - IP_LIMIT.points });
    // Another client behind the same proxy is not affected.
    expect(await forgot("198.51.100.40, 198.51.100.41")).toBe(202);
    // Every refusal and the audit name the real client, never a spoofed hop.
    const events = await h.db.authEvent.findMany({ where: { type: "rate_limit_exceeded" }, select: { ip: true } });
    expect(new Set(events.map((e) => e.ip))).toEqual(new Set(["198.51.100.40"]));
  });

  it("with TRUST_PROXY_HOPS=2 reads the second address from the right", async () => {
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for", TRUST_PROXY_HOPS: "2" });
    const result = await spend(40, (i) => `10.${i}.0.1, 198.51.100.42, 192.0.2.${i % 3}`);
    expect(result).toEqual({ passed: IP_LIMIT.points, limited: 40 - IP_LIMIT.points });
  });

  it("limits IPv6 clients per /64 while the audit keeps the full address", async () => {
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for", TRUST_PROXY_HOPS: undefined });
    // 40 different addresses of one /64: one budget.
    const result = await spend(40, (i) => `2001:db8:7:7:${(i + 1).toString(16)}::1`);
    expect(result).toEqual({ passed: IP_LIMIT.points, limited: 40 - IP_LIMIT.points });
    // The next /64 has its own budget.
    expect(await forgot("2001:db8:7:8::1")).toBe(202);
    const events = await h.db.authEvent.findMany({ where: { type: "rate_limit_exceeded" }, select: { ip: true }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.ip)).toEqual(Array.from({ length: 10 }, (_, i) => `2001:db8:7:7:${(i + 31).toString(16)}::1`));
  });

  it("an IPv4-mapped IPv6 client is the IPv4 client: one budget, audited in IPv4 form", async () => {
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for", TRUST_PROXY_HOPS: undefined });
    const result = await spend(40, (i) => (i % 2 === 0 ? "::ffff:198.51.100.43" : "198.51.100.43"));
    expect(result).toEqual({ passed: IP_LIMIT.points, limited: 40 - IP_LIMIT.points });
    const events = await h.db.authEvent.findMany({ where: { type: "rate_limit_exceeded" }, select: { ip: true } });
    expect(new Set(events.map((e) => e.ip))).toEqual(new Set(["198.51.100.43"]));
  });
});
