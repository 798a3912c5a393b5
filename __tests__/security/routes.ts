import path from "node:path";
import { NextRequest } from "next/server";
import { GET as OPENAPI } from "@/app/api/openapi.json/route";

/**
 * The API's operations as the OpenAPI document lists them, with their route
 * handlers imported from app/api, so a security test can sweep every route
 * (a new route is swept without touching the test).
 */

export const APP = "http://localhost:3000";
const API_DIR = path.resolve(__dirname, "../../app/api");

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Doc = { paths: Record<string, Record<string, Record<string, Json>>>; components?: { schemas?: Record<string, Json> } };

export type Operation = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  /** Needs credentials (Bearer, or the session cookie where allowed). */
  secured: boolean;
  /** Bearer tokens only (the admin API). */
  bearerOnly: boolean;
  /** Errors in RFC 6749's shape (token, revoke). */
  oauth: boolean;
  /** The request body's media types. */
  media: string[];
  /** A body the schema accepts (from the document's examples), or undefined. */
  example: Record<string, Json> | undefined;
  pathParams: string[];
};

type Handler = (req: NextRequest, ctx?: { params: Promise<Record<string, string>> }) => Promise<Response>;

function resolve(doc: Doc, node: Json | undefined): Record<string, Json> | undefined {
  if (!node || typeof node !== "object" || Array.isArray(node)) return undefined;
  if (typeof node.$ref === "string") return resolve(doc, doc.components?.schemas?.[node.$ref.split("/").pop() ?? ""]);
  return node;
}

function exampleOf(doc: Doc, schema: Json | undefined): Record<string, Json> | undefined {
  const s = resolve(doc, schema);
  if (!s) return undefined;
  if (s.example && typeof s.example === "object" && !Array.isArray(s.example)) return s.example;
  for (const key of ["oneOf", "anyOf"]) {
    const list = s[key];
    if (Array.isArray(list)) for (const sub of list) {
      const e = exampleOf(doc, sub);
      if (e) return e;
    }
  }
  return undefined;
}

export async function documentedOperations(): Promise<Operation[]> {
  const doc = (await (await OPENAPI(new NextRequest(new URL("/api/openapi.json", APP)))).json()) as Doc;
  const ops: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const content = (op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content ?? {};
      const security = Array.isArray(op.security) ? (op.security as Array<Record<string, unknown>>) : [];
      ops.push({
        method: method.toUpperCase() as Operation["method"],
        path: p,
        secured: security.length > 0,
        bearerOnly: security.length > 0 && security.every((s) => Object.keys(s).every((k) => k === "bearerAuth")),
        oauth: JSON.stringify(op.responses ?? {}).includes("#/components/schemas/OAuthError"),
        media: Object.keys(content),
        example: exampleOf(doc, content["application/json"]?.schema ?? Object.values(content)[0]?.schema),
        pathParams: [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      });
    }
  }
  return ops;
}

/** The route module's handler for an operation: /api/me/sessions/{id} → app/api/me/sessions/[id]/route.ts. */
export async function handlerFor(op: Pick<Operation, "method" | "path">): Promise<Handler> {
  const segments = op.path.replace(/^\/api\//, "").split("/").map((s) => s.replace(/^\{(\w+)\}$/, "[$1]"));
  const mod = (await import(path.join(API_DIR, ...segments, "route.ts"))) as Record<string, unknown>;
  const handler = mod[op.method];
  if (typeof handler !== "function") throw new Error(`no ${op.method} handler for ${op.path}`);
  return handler as Handler;
}

export type Answer = { status: number; headers: Headers; text: string; json: Record<string, unknown> | null };

/** Call an operation's handler as Next would: path parameters filled in, the request built from parts. */
export async function callOperation(
  op: Operation,
  opts: { headers?: Record<string, string>; body?: string | Uint8Array; query?: string; params?: Record<string, string> } = {},
): Promise<Answer> {
  const params: Record<string, string> = {};
  let p = op.path;
  for (const name of op.pathParams) {
    params[name] = opts.params?.[name] ?? "0197a1b2-0000-7000-8000-000000000001";
    p = p.replace(`{${name}}`, encodeURIComponent(params[name]));
  }
  const req = new NextRequest(new URL(`${p}${opts.query ?? ""}`, APP), {
    method: op.method,
    headers: opts.headers,
    body: op.method === "GET" ? undefined : (opts.body as BodyInit | undefined),
  });
  const res = await (await handlerFor(op))(req, { params: Promise.resolve(params) });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The example body as JSON request parts. */
export function exampleBody(op: Operation): { body?: string; headers: Record<string, string> } {
  if (!op.media.length) return { headers: {} };
  if (op.media.includes("application/json")) return { body: JSON.stringify(op.example ?? {}), headers: { "content-type": "application/json" } };
  return {
    body: new URLSearchParams(Object.entries(op.example ?? {}).map(([k, v]) => [k, String(v)])).toString(),
    headers: { "content-type": op.media[0]! },
  };
}
