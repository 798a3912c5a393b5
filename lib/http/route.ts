import "server-only";
import type { NextRequest } from "next/server";
import { getEnv } from "../env";
import { NO_STORE, errorResponse, toErrorResponse } from "./errors";

/**
 * The wrapper every API route handler is built with: it turns anything thrown
 * into the one error shape (4xx for input, 503 for a database outage, a bare
 * 500 for our own bugs, never a stack trace), marks every answer
 * `Cache-Control: no-store`, and adds CORS headers for the origins listed in
 * CORS_ORIGINS. Credentials are never allowed cross-origin: other sites' pages
 * use Bearer tokens, not our cookies.
 */

export type RouteContext<P> = { params: Promise<P> };
export type RouteHandler<P = Record<string, string | string[]>> = (req: NextRequest, ctx?: RouteContext<P>) => Promise<Response>;

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof METHODS)[number];

const EXPOSED_HEADERS = "WWW-Authenticate, Retry-After, Allow, X-Request-Id";

/** The request's Origin when CORS_ORIGINS lists it. */
function corsOrigin(req: Request): string | null {
  const origin = req.headers.get("origin");
  if (!origin || origin === "null") return null;
  return getEnv().CORS_ORIGINS.includes(origin) ? origin : null;
}

function finish(req: Request, res: Response, opts: { cache?: string } = {}): Response {
  if (!res.headers.has("Cache-Control")) res.headers.set("Cache-Control", opts.cache ?? NO_STORE);
  const origin = corsOrigin(req);
  if (origin) {
    res.headers.set("Access-Control-Allow-Origin", origin);
    res.headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  }
  res.headers.append("Vary", "Origin");
  return res;
}

/** Wrap a handler: errors → JSON error shape; no-store and CORS on every answer. */
export function apiRoute<P = Record<string, string | string[]>>(
  fn: (req: NextRequest, ctx: RouteContext<P>) => Promise<Response>,
  opts: { onError?: (err: unknown) => Response; cache?: string } = {},
): RouteHandler<P> {
  return async (req, ctx) => {
    let res: Response;
    try {
      res = await fn(req, ctx ?? { params: Promise.resolve({} as P) });
    } catch (err) {
      res = (opts.onError ?? toErrorResponse)(err);
    }
    return finish(req, res, { cache: opts.cache });
  };
}

function allowHeader(allowed: readonly HttpMethod[]): string {
  const set = new Set<string>(allowed);
  if (set.has("GET")) set.add("HEAD");
  set.add("OPTIONS");
  return [...set].join(", ");
}

const NOT_ALLOWED = Symbol.for("gatehouse.method-not-allowed");

/** True for the 405 stubs made by methodsBesides (the OpenAPI test skips them). */
export function isMethodNotAllowedHandler(fn: unknown): boolean {
  return typeof fn === "function" && (fn as unknown as Record<symbol, unknown>)[NOT_ALLOWED] === true;
}

/**
 * Handlers for every method a route does NOT support, answering 405 in the
 * JSON error shape with `Allow`, plus OPTIONS (the Allow list, and the CORS
 * preflight for listed origins). A route exports its real methods and
 * destructures the rest from here:
 *   export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
 */
export function methodsBesides<A extends HttpMethod>(
  ...allowed: A[]
): Record<Exclude<HttpMethod, A> | "OPTIONS", RouteHandler> {
  const allow = allowHeader(allowed);
  const out = {} as Record<HttpMethod | "OPTIONS", RouteHandler>;
  for (const method of METHODS) {
    const handler = apiRoute(async () =>
      errorResponse("method-not-allowed", `${method} is not supported here. Use ${allowed.join(" or ")}.`, { headers: { Allow: allow } }),
    );
    Object.defineProperty(handler, NOT_ALLOWED, { value: true });
    out[method] = handler;
  }
  out.OPTIONS = async (req) => {
    const res = new Response(null, { status: 204, headers: { Allow: allow } });
    const origin = corsOrigin(req);
    if (origin && req.headers.get("access-control-request-method")) {
      res.headers.set("Access-Control-Allow-Methods", allow);
      res.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.headers.set("Access-Control-Max-Age", "600");
    }
    return finish(req, res);
  };
  return out;
}
