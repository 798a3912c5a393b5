import { clientFromForwarded, clientIpFromHeaders, rateLimitKeyForIp, type ProxyTrust } from "@/lib/auth/client-ip";
import { CLIENT_IP_HEADER } from "@/lib/auth/constants";
import { normalizeIp, parseCidr, type Cidr } from "@/lib/validation/ip";

// lib/auth/client-ip.ts: which address a request comes from (SECURITY.md "Per
// client IP"), and lib/validation/ip.ts: the address syntax it relies on.

const cidrs = (...blocks: string[]): Cidr[] => blocks.map((b) => parseCidr(b)!);
const XFF = "x-forwarded-for";
const behindOneProxy: ProxyTrust = { header: XFF, hops: 1, cidrs: [], preload: false };

function ipOf(headers: Record<string, string>, trust: Partial<ProxyTrust> = {}): string {
  return clientIpFromHeaders(new Headers(headers), { ...behindOneProxy, ...trust });
}

describe("the client address behind appending proxies", () => {
  it("is the right-most X-Forwarded-For entry behind one proxy: a spoofed first hop is ignored", () => {
    // nginx's $proxy_add_x_forwarded_for and Caddy append the peer to what the client sent.
    expect(ipOf({ [XFF]: "6.6.6.6, 203.0.113.9" })).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "1.1.1.1,2.2.2.2 , 3.3.3.3,203.0.113.9" })).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "203.0.113.9" })).toBe("203.0.113.9");
    // Forty different spoofed first hops are still one client.
    const seen = new Set(Array.from({ length: 40 }, (_, i) => ipOf({ [XFF]: `10.9.${i}.1, 203.0.113.9` })));
    expect([...seen]).toEqual(["203.0.113.9"]);
  });

  it("counts TRUST_PROXY_HOPS from the right: with two proxies the second entry from the right", () => {
    // client → CDN (appends the client) → nginx (appends the CDN) → app
    expect(ipOf({ [XFF]: "6.6.6.6, 203.0.113.9, 198.51.100.1" }, { hops: 2 })).toBe("203.0.113.9");
    expect(clientFromForwarded("a, b, 203.0.113.9, 10.0.0.1, 10.0.0.2", { hops: 3, cidrs: [] })).toBe("203.0.113.9");
  });

  it("does not believe a list shorter than the hops, or a malformed entry where the client should be", () => {
    expect(clientFromForwarded("203.0.113.9", { hops: 2, cidrs: [] })).toBeNull();
    for (const bad of ["not-an-ip", "", "203.0.113", "256.1.1.1", "01.2.3.4", "1.2.3.4.5", "2001:db8::g", "1::2::3", "unknown", "_hidden"]) {
      expect({ bad, ip: clientFromForwarded(`203.0.113.9, ${bad}`, { hops: 1, cidrs: [] }) }).toEqual({ bad, ip: null });
    }
    // Falls back to the socket when the preload vouches for it, else "unknown": never to a client-written entry.
    expect(ipOf({ [XFF]: "203.0.113.9, garbage" })).toBe("unknown");
    expect(ipOf({ [XFF]: "203.0.113.9, garbage", [CLIENT_IP_HEADER]: "10.0.0.2" }, { preload: true })).toBe("10.0.0.2");
    expect(ipOf({ [XFF]: "203.0.113.9" }, { hops: 2, preload: true })).toBe("unknown");
    // Malformed entries left of the client are the client's own business.
    expect(ipOf({ [XFF]: "<script>, ;DROP TABLE, 203.0.113.9" })).toBe("203.0.113.9");
  });

  it("without TRUST_PROXY_HEADER reads only the socket address the preload stamped", () => {
    const spoofed = { [XFF]: "1.2.3.4", [CLIENT_IP_HEADER]: "10.0.0.2" };
    expect(ipOf(spoofed, { header: undefined, preload: true })).toBe("10.0.0.2");
    expect(ipOf(spoofed, { header: undefined, preload: false })).toBe("unknown");
    expect(ipOf({ [CLIENT_IP_HEADER]: "forged" }, { header: undefined, preload: true })).toBe("unknown");
  });

  it("with TRUST_PROXY_CIDRS skips the proxies from the right and reads the header only from them", () => {
    const trust = { cidrs: cidrs("10.0.0.0/8", "2001:db8:ffff::/48") };
    expect(ipOf({ [XFF]: "6.6.6.6, 203.0.113.9, 10.1.2.3, 10.0.0.7" }, trust)).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "6.6.6.6, 2001:db8:1::5, 2001:db8:ffff::1" }, trust)).toBe("2001:db8:1::5");
    // Nothing but proxies: the request began inside their network.
    expect(ipOf({ [XFF]: "10.0.0.9, 10.0.0.7" }, trust)).toBe("10.0.0.9");
    // A malformed entry before the client is found: not believed.
    expect(ipOf({ [XFF]: "203.0.113.9, junk, 10.0.0.7" }, trust)).toBe("unknown");
    // The socket is a proxy: the header counts. The socket is not: anybody wrote the header.
    expect(ipOf({ [XFF]: "6.6.6.6, 203.0.113.9", [CLIENT_IP_HEADER]: "::ffff:10.0.0.1" }, { ...trust, preload: true })).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "6.6.6.6, 203.0.113.9", [CLIENT_IP_HEADER]: "198.51.100.77" }, { ...trust, preload: true })).toBe("198.51.100.77");
  });

  it("normalises: IPv4-mapped IPv6 is the IPv4 address, IPv6 in RFC 5952 form, ports and brackets dropped", () => {
    expect(ipOf({ [XFF]: "::ffff:203.0.113.9" })).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "::FFFF:cb00:7109" })).toBe("203.0.113.9");
    expect(ipOf({}, { header: undefined, preload: true })).toBe("unknown"); // no socket header at all
    expect(ipOf({ [CLIENT_IP_HEADER]: "::ffff:127.0.0.1" }, { header: undefined, preload: true })).toBe("127.0.0.1");
    expect(ipOf({ [XFF]: "2001:DB8:0:0:0:0:0:1" })).toBe("2001:db8::1");
    expect(ipOf({ [XFF]: "[2001:db8::1]:443" })).toBe("2001:db8::1");
    expect(ipOf({ [XFF]: "203.0.113.9:51234" })).toBe("203.0.113.9");
    expect(ipOf({ [XFF]: "fe80::1%eth0" })).toBe("fe80::1");
    expect(normalizeIp("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1"); // the first of two equal zero runs
    expect(normalizeIp("2001:db8:0:1:1:1:1:1")).toBe("2001:db8:0:1:1:1:1:1"); // a single zero group stays
    expect(normalizeIp("::")).toBe("::");
    expect(normalizeIp("::1")).toBe("::1");
    expect(normalizeIp("1:2:3:4:5:6:7:8:9")).toBeNull();
  });
});

describe("the per-IP rate-limit key", () => {
  it("keys an IPv6 client by its /64, an IPv4 client by its address", () => {
    expect(rateLimitKeyForIp("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(rateLimitKeyForIp("2001:db8:1:2:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(rateLimitKeyForIp("2001:DB8:1:2::")).toBe("2001:db8:1:2::/64");
    expect(rateLimitKeyForIp("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(rateLimitKeyForIp("2001:db8::1")).toBe("2001:db8::/64");
    expect(rateLimitKeyForIp("203.0.113.9")).toBe("203.0.113.9");
    expect(rateLimitKeyForIp("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(rateLimitKeyForIp("unknown")).toBe("unknown");
  });
});

describe("CIDR blocks", () => {
  it("parses blocks and single addresses, and refuses anything else", () => {
    expect(parseCidr("10.0.0.0/8")).toMatchObject({ prefix: 8 });
    expect(parseCidr("10.0.0.1")).toMatchObject({ prefix: 32 });
    expect(parseCidr("2001:db8::/32")).toMatchObject({ prefix: 32 });
    expect(parseCidr("::1")).toMatchObject({ prefix: 128 });
    expect(parseCidr("::ffff:10.0.0.0/104")).toMatchObject({ ip: { version: 4 }, prefix: 8 });
    for (const bad of ["10.0.0.0/33", "10.0.0.0/", "10.0.0.0/8/8", "2001:db8::/129", "10.0.0/8", "any", "10.0.0.0/-1"]) {
      expect({ bad, cidr: parseCidr(bad) }).toEqual({ bad, cidr: null });
    }
  });

  it("matches prefixes that end inside a byte, and never across IP versions", () => {
    const trust = { hops: 1, cidrs: cidrs("192.168.0.0/23") };
    // 192.168.1.x is inside /23; 192.168.2.x is not.
    expect(clientFromForwarded("203.0.113.9, 192.168.1.200", trust)).toBe("203.0.113.9");
    expect(clientFromForwarded("203.0.113.9, 192.168.2.1", trust)).toBe("192.168.2.1");
    expect(clientFromForwarded("203.0.113.9, ::ffff:192.168.1.1", trust)).toBe("203.0.113.9");
    expect(clientFromForwarded("203.0.113.9, 2001:db8::1", { hops: 1, cidrs: cidrs("0.0.0.0/0") })).toBe("2001:db8::1");
  });
});
