import "server-only";
import { randomUUID } from "node:crypto";
import { headers } from "next/headers";
import { getEnv } from "../env";
import { CLIENT_IP_HEADER, REQUEST_ID_HEADER } from "./constants";

export type RequestContext = { ip: string; userAgent: string | null; requestId: string };

/**
 * Who is asking. The IP comes from the socket (set by scripts/client-ip.cjs,
 * which overwrites any client-sent copy), unless TRUST_PROXY_HEADER names the
 * header a trusted reverse proxy sets; then its left-most address is used.
 */
export function contextFromHeaders(h: Headers): RequestContext {
  const env = getEnv();
  let ip: string | null = null;
  if (env.TRUST_PROXY_HEADER) {
    ip = h.get(env.TRUST_PROXY_HEADER)?.split(",")[0]?.trim() || null;
  }
  // Only believe the socket header when our preload stamped it (it overwrites client copies).
  if (!ip && process.env.GATEHOUSE_CLIENT_IP_PRELOAD === "1") ip = h.get(CLIENT_IP_HEADER);
  const requestId = h.get(REQUEST_ID_HEADER);
  return {
    ip: (ip || "unknown").slice(0, 64),
    userAgent: h.get("user-agent")?.slice(0, 512) ?? null,
    requestId: requestId && /^[\w-]{1,64}$/.test(requestId) ? requestId : randomUUID(),
  };
}

/** The context of the current server action / page request. */
export async function getRequestContext(): Promise<RequestContext> {
  return contextFromHeaders(await headers());
}
