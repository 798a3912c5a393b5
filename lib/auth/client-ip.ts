import { cidrContains, formatIp, normalizeIp, parseIp, type Cidr } from "../validation/ip";
import { CLIENT_IP_HEADER } from "./constants";

/**
 * Which address a request comes from, and which key its per-IP rate limits
 * use. Pure (settings are passed in) so every rule is unit-tested:
 * __tests__/unit/client-ip.test.ts.
 */

export type ProxyTrust = {
  /** TRUST_PROXY_HEADER: the header the proxies in front append the client to (lowercase), or none. */
  header?: string;
  /** TRUST_PROXY_HOPS: how many proxies append to that header (the nearest one included). */
  hops: number;
  /** TRUST_PROXY_CIDRS: the proxies' own addresses; when set, they replace the hop count. */
  cidrs: Cidr[];
  /** scripts/client-ip.cjs stamped the socket address on the request (GATEHOUSE_CLIENT_IP_PRELOAD=1). */
  preload: boolean;
};

export const UNKNOWN_IP = "unknown";

function trusted(cidrs: Cidr[], ip: string): boolean {
  const parsed = parseIp(ip);
  return parsed !== null && cidrs.some((c) => cidrContains(c, parsed));
}

/**
 * The client in an appending list such as X-Forwarded-For ("a, b, c"), or null
 * when the list cannot be believed. Each proxy appends the address it received
 * the request from, so only the right-most entries were written by proxies we
 * trust; everything to their left is whatever the client sent. So:
 * - hops: the hops-th entry from the right (1 = the right-most, written by the
 *   one proxy in front of us), never the left-most;
 * - cidrs: walk from the right past entries that are our proxies; the first
 *   other address is the client.
 * An entry that is not an IP address where we read one means the chain is not
 * what the settings say: believe nothing rather than guess.
 */
export function clientFromForwarded(value: string, trust: Pick<ProxyTrust, "hops" | "cidrs">): string | null {
  const entries = value.split(",").map((e) => e.trim());
  if (trust.cidrs.length > 0) {
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const ip = normalizeIp(entries[i]!);
      if (ip === null) return null;
      // All of them proxies: the request started inside the proxies' network.
      if (i === 0 || !trusted(trust.cidrs, ip)) return ip;
    }
    return null;
  }
  const entry = entries[entries.length - trust.hops];
  return entry === undefined ? null : normalizeIp(entry);
}

/**
 * The client address of a request, normalised (`::ffff:1.2.3.4` → `1.2.3.4`),
 * or "unknown". The socket address stamped by the preload is the default; a
 * forwarded header is read only when TRUST_PROXY_HEADER names it, and, with
 * TRUST_PROXY_CIDRS and a known socket, only when the request came from one of
 * those proxies (otherwise anybody could have written the header).
 */
export function clientIpFromHeaders(h: Headers, trust: ProxyTrust): string {
  // Only believe the socket header when our preload stamped it (it overwrites client copies).
  const socket = trust.preload ? normalizeIp(h.get(CLIENT_IP_HEADER) ?? "") : null;
  if (trust.header) {
    const fromProxy = trust.cidrs.length === 0 || socket === null || trusted(trust.cidrs, socket);
    const value = fromProxy ? h.get(trust.header) : null;
    const client = value ? clientFromForwarded(value, trust) : null;
    if (client) return client;
  }
  return socket ?? UNKNOWN_IP;
}

/**
 * The key of an address in the per-IP rate limits: an IPv4 address as is, an
 * IPv6 address by its /64. One IPv6 subscriber or server usually holds a whole
 * /64 (2^64 addresses): keyed by full address, it would have 2^64 budgets.
 * Anything else ("unknown") is its own key.
 */
export function rateLimitKeyForIp(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) return ip;
  if (parsed.version === 4) return formatIp(parsed);
  return `${formatIp({ version: 6, groups: [...parsed.groups.slice(0, 4), 0, 0, 0, 0] })}/64`;
}
