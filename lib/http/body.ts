import "server-only";
import { z } from "zod";
import { RequestError, type FieldErrors } from "./errors";

/**
 * Strict request bodies, read and checked before any bcrypt or database work:
 * at most 16 kB (413), only the media types the endpoint speaks (415), a JSON
 * object, never an array, null or a bare value (400), then the endpoint's zod
 * schema (400 with every field message). zod objects strip unknown keys, so
 * `role`, `emailVerified` or `userId` in a body never reach the flows.
 */

export const MAX_BODY_BYTES = 16 * 1024;

export type BodyKind = "json" | "form";
const MEDIA_TYPES: Record<BodyKind, string> = { json: "application/json", form: "application/x-www-form-urlencoded" };

export type RawBody = Record<string, unknown>;

function mediaTypeOf(header: string | null): { type: string; charset: string | null } | null {
  if (!header) return null;
  const [type = "", ...params] = header.split(";");
  let charset: string | null = null;
  for (const p of params) {
    const [k, v] = p.split("=");
    if (k?.trim().toLowerCase() === "charset" && v) charset = v.trim().replace(/^"|"$/g, "").toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

function tooLarge(): RequestError {
  return new RequestError("payload-too-large", `The request body is larger than ${MAX_BODY_BYTES / 1024} kB.`);
}

/** Read the body, stopping as soon as it passes the limit (Content-Length is not trusted). */
async function readLimited(req: Request): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (!/^\d{1,15}$/.test(declared.trim())) throw new RequestError("invalid-request", "The Content-Length header is not valid.");
    if (Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function describe(kinds: BodyKind[]): string {
  return kinds.map((k) => MEDIA_TYPES[k]).join(" or ");
}

/**
 * The body as a plain object of untrusted values. `optional` lets an empty body
 * (with or without a Content-Type) stand for `{}`.
 */
export async function readBody(req: Request, opts: { accept: BodyKind[]; optional?: boolean }): Promise<RawBody> {
  const bytes = await readLimited(req);
  if (bytes.byteLength === 0 && opts.optional) return {};
  const media = mediaTypeOf(req.headers.get("content-type"));
  const kind = opts.accept.find((k) => media?.type === MEDIA_TYPES[k]);
  if (!kind || (media?.charset && media.charset !== "utf-8" && media.charset !== "utf8")) {
    throw new RequestError("unsupported-media-type", `Send the body as ${describe(opts.accept)} (UTF-8).`);
  }
  if (bytes.byteLength === 0) throw new RequestError("invalid-request", "The request body is empty.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new RequestError("invalid-request", "The request body is not valid UTF-8.");
  }
  if (kind === "form") return parseForm(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RequestError("invalid-request", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RequestError("invalid-request", "The request body must be a JSON object.");
  }
  return value as RawBody;
}

/** RFC 6749 §3.2: a parameter sent more than once makes the request invalid. */
function parseForm(text: string): RawBody {
  const params = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (seen.has(key)) throw new RequestError("invalid-request", `The parameter "${key.slice(0, 40)}" is repeated.`);
    seen.add(key);
  }
  // fromEntries defines own properties, so a "__proto__" key is just data.
  return Object.fromEntries(params.entries());
}

/** Every message per field; the root of the body is reported under "body". */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "body";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Check a raw body against the endpoint's schema. */
export function parseWith<S extends z.ZodType>(schema: S, raw: RawBody): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new RequestError("validation-failed", "Some fields are missing or not valid.", fieldErrorsOf(parsed.error));
  }
  return parsed.data;
}

/** Read and validate in one step, for JSON endpoints. */
export async function parseJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  opts: { optional?: boolean } = {},
): Promise<z.infer<S>> {
  return parseWith(schema, await readBody(req, { accept: ["json"], optional: opts.optional }));
}
