/**
 * IP address syntax, without Node APIs: parse, normalise, match a CIDR block.
 * Used for the client address (lib/auth/client-ip.ts) and to check the
 * trusted-proxy settings when the configuration is read (lib/env.ts).
 */

export type ParsedIp = { version: 4; bytes: number[] } | { version: 6; groups: number[] };

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;

function parseIpv4(text: string): number[] | null {
  return IPV4.test(text) ? text.split(".").map(Number) : null;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a trailing dotted IPv4. */
function parseIpv6(text: string): number[] | null {
  if (text.length > 45 || !text.includes(":")) return null;
  let head = text;
  const lastColon = head.lastIndexOf(":");
  if (head.slice(lastColon + 1).includes(".")) {
    // A trailing dotted IPv4 (`::ffff:1.2.3.4`) stands for the last two groups.
    const v4 = parseIpv4(head.slice(lastColon + 1));
    if (!v4) return null;
    head = `${head.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const toGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!HEX_GROUP.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = toGroups(halves[0]!);
  const right = halves.length === 2 ? toGroups(halves[1]!) : [];
  if (!left || !right) return null;
  const given = left.length + right.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return null;
  return [...left, ...new Array<number>(8 - given).fill(0), ...right];
}

/**
 * A textual address → its parts, or null when it is not an address. Lenient
 * only about wrapping that proxies add: `[v6]`, `[v6]:port`, `v4:port`, a zone
 * (`%eth0`). An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is the IPv4 address.
 */
export function parseIp(raw: string): ParsedIp | null {
  let text = raw.trim().toLowerCase();
  if (text.length === 0 || text.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(":"));
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  const v4 = parseIpv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (!v6) return null;
  const mapped = v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff;
  if (mapped) return { version: 4, bytes: [v6[6]! >> 8, v6[6]! & 0xff, v6[7]! >> 8, v6[7]! & 0xff] };
  return { version: 6, groups: v6 };
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at === -1) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

export function formatIp(ip: ParsedIp): string {
  return ip.version === 4 ? ip.bytes.join(".") : formatIpv6(ip.groups);
}

/** The canonical text of an address (`::FFFF:1.2.3.4` → `1.2.3.4`), or null when it is not one. */
export function normalizeIp(raw: string): string | null {
  const ip = parseIp(raw);
  return ip ? formatIp(ip) : null;
}

export type Cidr = { ip: ParsedIp; prefix: number };

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(raw: string): Cidr | null {
  const [addr, bits, extra] = raw.trim().split("/");
  if (addr === undefined || extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  // An IPv4-mapped block is written in IPv6 bits: ::ffff:10.0.0.0/104 is 10.0.0.0/8.
  const mappedOffset = ip.version === 4 && addr.includes(":") ? 96 : 0;
  const max = (ip.version === 4 ? 32 : 128) + mappedOffset;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max || prefix < mappedOffset) return null;
  return { ip, prefix: prefix - mappedOffset };
}

function bitsOf(ip: ParsedIp): number[] {
  return ip.version === 4 ? ip.bytes.flatMap((b) => [b >> 4, b & 15]) : ip.groups.flatMap((g) => [g >> 12, (g >> 8) & 15, (g >> 4) & 15, g & 15]);
}

/** Is `ip` inside `cidr`? Addresses of the other version never are. */
export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.ip.version !== ip.version) return false;
  // Compare nibble by nibble: simple, and the prefix may end inside a nibble.
  const a = bitsOf(cidr.ip);
  const b = bitsOf(ip);
  let left = cidr.prefix;
  for (let i = 0; left > 0; i += 1, left -= 4) {
    const mask = left >= 4 ? 15 : (15 << (4 - left)) & 15;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

/**
 * A stored address for display. Rows written before issue 14 may hold the
 * socket's IPv4-mapped form (`::ffff:127.0.0.1`): shown as the IPv4 address
 * everywhere, like new rows. Anything that is not an address is shown as stored.
 */
export function displayIp(stored: string): string;
export function displayIp(stored: string | null): string | null;
export function displayIp(stored: string | null): string | null {
  if (stored === null) return null;
  return normalizeIp(stored) ?? stored;
}
