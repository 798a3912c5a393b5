import "server-only";
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { getEnv } from "../env";
import { clientIpFromHeaders } from "./client-ip";
import { REQUEST_ID_HEADER } from "./constants";

export type RequestContext = { ip: string; userAgent: string | null; requestId: string };

/**
 * Who is asking. The IP comes from the socket (set by scripts/client-ip.cjs,
 * which overwrites any client-sent copy), unless TRUST_PROXY_HEADER names the
 * header trusted reverse proxies append to; then the right-most entries decide
 * (TRUST_PROXY_HOPS / TRUST_PROXY_CIDRS), never the client-written left-most
 * one. The full address is kept here (audit, sessions); per-IP limits key IPv6
 * by /64 (lib/auth/rate-limit.ts).
 */
export function contextFromHeaders(h: Headers): RequestContext {
  const env = getEnv();
  const ip = clientIpFromHeaders(h, {
    header: env.TRUST_PROXY_HEADER,
    hops: env.TRUST_PROXY_HOPS,
    cidrs: env.TRUST_PROXY_CIDRS,
    preload: process.env.GATEHOUSE_CLIENT_IP_PRELOAD === "1",
  });
  const requestId = h.get(REQUEST_ID_HEADER);
  return {
    ip,
    userAgent: h.get("user-agent")?.slice(0, 512) ?? null,
    requestId: requestId && /^[\w-]{1,64}$/.test(requestId) ? requestId : randomUUID(),
  };
}

/** The context of the current server action / page request. */
export async function getRequestContext(): Promise<RequestContext> {
  return contextFromHeaders(await headers());
}
