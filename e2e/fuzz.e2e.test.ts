/**
 * Issue #7 "Abuse resistance": fast-check drives every API route of the real
 * production server (`next start`, PostgreSQL, SMTP sink) with thousands of
 * generated requests each, and checks what SECURITY.md promises of every answer:
 *  - nothing answers ≥ 500 (no crash, no "Internal Server Error", no timeout);
 *  - every non-2xx answer is JSON in the API's error shape
 *    `{ error: "<kebab-code>", message }` (plus `fields`), or RFC 6749's
 *    `{ error: "<snake_code>", error_description }` on the OAuth endpoints;
 *  - 429 carries Retry-After, a 401 on a guarded route carries the Bearer
 *    challenge, a redirect never leaves the app's origin, and no answer holds a
 *    stack trace, a file path or a Prisma/SQL message.
 *
 * The routes, methods, path/query parameters, body fields and media types come
 * from GET /api/openapi.json of the running server, so a new route is fuzzed
 * without touching this file. Bodies: any JSON value (strings with any Unicode,
 * NUL and lone surrogates, up to ~20 kB; numbers; nulls; arrays; objects nested
 * hundreds deep; operator objects like {"contains": …}; duplicate and
 * prototype keys), wrong types for the known fields, form-encoded bodies,
 * broken JSON, invalid UTF-8, and wrong or missing Content-Type. Credentials: none, a
 * real user's and a real admin's access token (signed in through the API),
 * garbage, `alg: none`, JWE-shaped, expired, tampered and key-carrying
 * tokens, and the session cookie with and without a matching Origin.
 *
 * The app trusts X-Forwarded-For here (TRUST_PROXY_HEADER), and most requests
 * come "from" a random address, so the per-IP limits don't answer 429 to
 * everything; a share comes from the socket address and meets them.
 *
 * Replay a run with FUZZ_SEED=<seed printed below>; FUZZ_RUNS sets the
 * number of requests per route (default 2,000).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { SignJWT } from "jose";
import type { ParsedMail } from "mailparser";
import { Client } from "pg";
import { extractCode, startSmtpSink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import { freePort, spawnNextStart, startApp, type AppServer } from "./helpers/server";

const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 24);
/** Random paths under /api that no route claims (the catch-all 404 answers them). */
const UNKNOWN_PATH_RUNS = Math.max(100, Math.round(RUNS / 10));
const REQUEST_TIMEOUT_MS = 30_000;

const JWT_SECRET = `fuzz-${randomBytes(32).toString("base64url")}`;
const ACCESS_COOKIE = "__Host-gh_at";
const REFRESH_COOKIE = "__Secure-gh_rt";
const PASSWORD = "violet lantern orbit 9 harbor";

let app: AppServer;
let replica: Replica | undefined;
let sink: SmtpSink;

// ─── A second instance ────────────────────────────────────────────────────

type Replica = { url: string; logs: () => string; stop: () => Promise<void> };

/**
 * A second `next start` on the same database, secret and APP_URL, as behind a
 * load balancer. Requests alternate between the two: one Next process keeps
 * only one core busy, and a token or rate-limit window made by one instance
 * must hold on the other. (startApp always makes a new database, so this
 * starts the process itself, the way startApp does.)
 */
async function startReplica(primary: AppServer, env: Record<string, string>): Promise<Replica> {
  const server = await spawnNextStart(
    await freePort(),
    {
      NODE_ENV: "production",
      APP_URL: primary.url,
      DATABASE_URL: primary.databaseUrl ?? "",
      GATEHOUSE_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "gh-e2e-replica-")),
      MAIL_FROM: "Gatehouse <no-reply@gatehouse.test>",
      ...env,
    },
    { healthTimeoutMs: 60_000 },
  );
  return { url: server.origin, logs: server.logs, stop: () => server.kill() };
}

// ─── Operations, read from the server's OpenAPI document ──────────────────

type Operation = {
  method: string;
  /** The path template, `/api/me/sessions/{id}` */
  path: string;
  /** RFC 6749 error bodies (token, revoke) instead of the API's error shape. */
  oauth: boolean;
  /** Needs credentials: a 401 must carry the Bearer challenge. */
  secured: boolean;
  /** The request body's media types, e.g. ["application/json"]. */
  media: string[];
  /** Every property name the body schema knows (oneOf/anyOf/allOf and $refs followed). */
  fields: string[];
  query: string[];
  pathParams: string[];
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type OpenApiDoc = { paths: Record<string, Record<string, Record<string, Json>>>; components?: { schemas?: Record<string, Json> } };

function resolveRef(doc: OpenApiDoc, node: Json | undefined): Json | undefined {
  if (node && typeof node === "object" && !Array.isArray(node) && typeof node.$ref === "string") {
    const name = node.$ref.split("/").pop() ?? "";
    return doc.components?.schemas?.[name];
  }
  return node;
}

function propertyNames(doc: OpenApiDoc, schema: Json | undefined, seen = new Set<Json>()): string[] {
  const s = resolveRef(doc, schema);
  if (!s || typeof s !== "object" || Array.isArray(s) || seen.has(s)) return [];
  seen.add(s);
  const out = new Set<string>();
  if (s.properties && typeof s.properties === "object" && !Array.isArray(s.properties)) {
    for (const k of Object.keys(s.properties)) out.add(k);
  }
  for (const key of ["oneOf", "anyOf", "allOf"]) {
    const list = s[key];
    if (Array.isArray(list)) for (const sub of list) for (const k of propertyNames(doc, sub, seen)) out.add(k);
  }
  return [...out];
}

function operationsOf(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      const op = raw as Record<string, Json>;
      const text = JSON.stringify(op.responses ?? {});
      const content = (op.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content ?? {};
      const params = (Array.isArray(op.parameters) ? op.parameters : []) as Array<{ in?: string; name?: string }>;
      ops.push({
        method: method.toUpperCase(),
        path,
        oauth: text.includes("#/components/schemas/OAuthError"),
        secured: Array.isArray(op.security) && op.security.length > 0,
        media: Object.keys(content),
        fields: [...new Set(Object.values(content).flatMap((c) => propertyNames(doc, c.schema)))],
        query: params.filter((p) => p.in === "query" && p.name).map((p) => p.name!),
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      });
    }
  }
  return ops;
}

// ─── The people and credentials the requests use ──────────────────────────

type Account = { email: string; userId: string; access: string; refresh: string; sessionId: string };

/** Everything secret this file handled: none of it may appear in the server's logs. */
const secrets = new Set<string>([PASSWORD, JWT_SECRET]);

let forwardedCounter = 0;
/** A fresh client address per set-up call, so set-up never meets the per-IP limits. */
const setupIp = () => `198.18.${Math.floor(++forwardedCounter / 250)}.${forwardedCounter % 250}`;

async function post(path: string, body: Record<string, string>, form = false): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
      "x-forwarded-for": setupIp(),
    },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });
}

function isTo(mail: ParsedMail, email: string): boolean {
  const list = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return list.some((a) => a.value.some((v) => v.address?.toLowerCase() === email));
}

/** Sign up through the API, confirm with the mailed code, keep the token pair. */
async function signUpThroughApi(tag: string): Promise<Account> {
  const email = `${tag}-${randomBytes(4).toString("hex")}@fuzz.test`;
  const registered = await post("/api/auth/register", { email, name: `${tag} Fuzzer`, password: PASSWORD });
  expect(registered.status).toBe(202);
  const code = extractCode(await sink.waitForMail((m) => isTo(m, email) && /code/i.test(m.subject ?? ""), 15_000));
  secrets.add(code);
  const { registration } = (await registered.json()) as { registration: string };
  secrets.add(registration);
  const verified = await post("/api/auth/verify-email", { email, code, registration });
  expect(verified.status).toBe(200);
  const pair = (await verified.json()) as { access_token: string; refresh_token: string };
  return { email, ...(await describeToken(pair)) };
}

/** Another session for an account, through the password grant. */
async function passwordGrant(email: string): Promise<Account> {
  const res = await post("/api/auth/token", { grant_type: "password", username: email, password: PASSWORD }, true);
  expect(res.status).toBe(200);
  return { email, ...(await describeToken((await res.json()) as { access_token: string; refresh_token: string })) };
}

async function describeToken(pair: { access_token: string; refresh_token: string }) {
  secrets.add(pair.access_token);
  secrets.add(pair.refresh_token);
  const claims = JSON.parse(Buffer.from(pair.access_token.split(".")[1]!, "base64url").toString()) as { sub: string; sid: string };
  return { userId: claims.sub, sessionId: claims.sid, access: pair.access_token, refresh: pair.refresh_token };
}

type Credentials = {
  user: Account;
  /** Signs out (all) through the logout route: its own account, so the others keep working. */
  disposable: Account[];
  /** A second session of `user` that DELETE /api/me/sessions/{id} may end. */
  spareSessionId: string;
  admin: Account;
  /** The user the admin routes may lock, demote, mail or delete. */
  target: Account;
  forged: Record<string, string>;
};
let creds: Credentials;

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

/** Tokens an attacker could make: unsigned, wrong key, expired, key-carrying, JWE-shaped, huge. */
async function forgedTokens(user: Account): Promise<Record<string, string>> {
  const key = new TextEncoder().encode(JWT_SECRET);
  const claims = { sub: user.userId, sid: user.sessionId, role: "ADMIN" };
  const now = Math.floor(Date.now() / 1000);
  const sign = (header: Record<string, unknown>, c: Record<string, unknown> = claims, secret = key) =>
    new SignJWT(c)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...header })
      .setIssuer(new URL(app.url).origin)
      .setAudience("gatehouse")
      .setIssuedAt(now - 3600)
      .setExpirationTime(now + 600)
      .sign(secret);
  const expired = await new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer(new URL(app.url).origin)
    .setAudience("gatehouse")
    .setIssuedAt(now - 7200)
    .setExpirationTime(now - 3600)
    .sign(key);
  const [h, p] = user.access.split(".");
  return {
    algNone: `${b64({ alg: "none", typ: "at+jwt" })}.${b64({ ...claims, iss: new URL(app.url).origin, aud: "gatehouse", exp: now + 600, iat: now })}.`,
    jwe: `${b64({ alg: "dir", enc: "A256GCM" })}..${randomBytes(12).toString("base64url")}.${randomBytes(40).toString("base64url")}.${randomBytes(16).toString("base64url")}`,
    otherKey: await sign({}, claims, new TextEncoder().encode(`not-our-secret-${randomBytes(24).toString("hex")}`)),
    expired,
    tampered: `${h}.${b64({ ...(JSON.parse(Buffer.from(p!, "base64url").toString()) as object), role: "ADMIN" })}.${user.access.split(".")[2]}`,
    jku: await sign({ jku: "https://evil.test/jwks.json" }),
    kid: await sign({ kid: "../../../../dev/null" }),
    unknownSession: await sign({}, { ...claims, sid: "0197a1b2-0000-7000-8000-000000000001" }),
    garbage: "not-a-token",
    huge: "a".repeat(6_000), // over the 4 kB a token may have, under Node's 16 kB for all headers
  };
}

// ─── Generators ───────────────────────────────────────────────────────────

/** Any code point, with the awkward ones (NUL, lone surrogates, BOM, RTL override, NEL) often. */
const awkwardChar = fc.oneof(
  { arbitrary: fc.constantFrom("\u0000", "\ud800", "\udfff", "\ufeff", "\u202e", "\u0085", "\u2028", "\r\n", "%", "\\", '"', "'", "<", "\u{1F600}"), weight: 1 },
  { arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }), weight: 3 },
);
const anyString = fc.array(awkwardChar, { maxLength: 40 }).map((cs) => cs.join(""));
/** Strings up to ~20 kB (cheap to make: a short pattern repeated). */
const hugeString = fc.tuple(anyString, fc.integer({ min: 300, max: 20_000 })).map(([s, n]) => (s || "x").repeat(Math.ceil(n / Math.max(1, s.length))).slice(0, n));

const OPERATOR_KEYS = [
  "contains", "startsWith", "endsWith", "equals", "in", "notIn", "not", "gt", "gte", "lt", "lte", "mode", "has", "some", "every",
  "OR", "AND", "NOT", "set", "increment", "connect", "$ne", "$gt", "$regex", "$where", "$in",
];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf"];
const COMMON_FIELDS = [
  "email", "password", "name", "code", "token", "grant_type", "refresh_token", "username", "currentPassword", "newEmail",
  "all", "role", "duration", "confirmEmail", "userId", "emailVerified", "client_id", "client_secret", "client_assertion",
  "token_type_hint", "scope", "next", "id", "sessionId",
];

function plausibleValues(): fc.Arbitrary<Json> {
  const { user, target, disposable } = creds;
  return fc.oneof(
    fc.constantFrom<Json>(
      "password", "refresh_token", "authorization_code", "client_credentials", "", " ", "ADMIN", "USER", "24h", "7d", "indefinite",
      "1h", "123456", "000000", "12345", "1234567", " 123456 ", "１２３４５６", PASSWORD, "correct horse battery staple 42!",
      "password12345678", user.email, user.email.toUpperCase(), ` ${target.email} `, target.email, "nobody@fuzz.test",
      "Victim@X.com", "a@b", "@", "a".repeat(250) + "@x.test", target.userId, user.userId, "not-a-uuid",
      "0197a1b2-0000-7000-8000-000000000001", disposable[0]?.refresh ?? "", randomBytes(32).toString("base64url"),
      "/dashboard", "//evil.test", "true", "false", true, false,
    ),
    fc.uuid(),
    fc.emailAddress(),
    fc.stringMatching(/^\d{6}$/),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
  );
}

/** A value that looks right for one known field: bodies made of these get past the schema into the flows. */
function likelyValue(field: string): fc.Arbitrary<Json> {
  const { user, target } = creds;
  const odd = anyString;
  const emails = fc.oneof(fc.emailAddress(), fc.constantFrom(user.email, target.email, ` ${user.email.toUpperCase()} `, "nobody@fuzz.test"), odd.map((s) => `${s}@fuzz.test`));
  const passwords = fc.oneof(fc.constantFrom(PASSWORD, "correct horse battery staple 42!", "password12345678", "é".repeat(40)), anyString.filter((s) => s.length > 0));
  const byField: Record<string, fc.Arbitrary<Json>> = {
    email: emails, username: emails, newEmail: emails, confirmEmail: emails,
    password: passwords, currentPassword: passwords,
    name: fc.oneof(fc.constantFrom("Ana Tester", "Zoë Ñandú", "x".repeat(101)), odd),
    code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.constantFrom(" 123456 ", "１２３４５６", "12345")),
    token: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.constant(creds.forged.algNone ?? "")),
    refresh_token: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), fc.constantFrom(creds.disposable[0]?.refresh ?? "", "x".repeat(257))),
    grant_type: fc.constantFrom("password", "refresh_token", "password", "client_credentials"),
    token_type_hint: fc.constantFrom("refresh_token", "access_token", "x"),
    role: fc.constantFrom("ADMIN", "USER", "admin", "ROOT"),
    duration: fc.constantFrom("1h", "24h", "7d", "indefinite", "forever"),
    all: fc.constantFrom<Json>(true, false, "true"),
    client_id: fc.oneof(fc.constantFrom("app", ""), odd),
    next: fc.constantFrom("/dashboard", "//evil.test", "/.//evil.test", "https://evil.test"),
  };
  return byField[field] ?? plausibleValues();
}

/** A body with the route's own fields, mostly right-looking values, a few wrong ones. */
function shapedEntries(op: Operation): fc.Arbitrary<Array<[string, Json]>> {
  const fields = op.fields.length ? op.fields : ["token"];
  return fc
    .tuple(...fields.map((f) => fc.tuple(fc.constant(f), fc.oneof({ arbitrary: likelyValue(f), weight: 4 }, { arbitrary: fieldValue(), weight: 1 }), fc.nat(9))))
    .map((triples) => triples.filter(([, , skip]) => skip > 0).map(([f, v]): [string, Json] => [f, v]));
}

/** A deeply nested value: objects or arrays hundreds of levels deep. */
const deepValue = fc.tuple(fc.integer({ min: 20, max: 900 }), fc.boolean(), fc.jsonValue({ maxDepth: 1 })).map(([depth, arrays, leaf]) => {
  let v: Json = leaf as Json;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});

function fieldValue(): fc.Arbitrary<Json> {
  const small = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  return fc.oneof(
    { arbitrary: plausibleValues(), weight: 5 },
    { arbitrary: anyString, weight: 4 },
    { arbitrary: hugeString, weight: 1 },
    { arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, -0, 2 ** 53 + 1)), weight: 2 },
    { arbitrary: fc.constantFrom<Json>(null, true, false, [], {}), weight: 2 },
    { arbitrary: fc.array(small, { maxLength: 4 }), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...OPERATOR_KEYS), small).map(([k, v]): Json => ({ [k]: v })), weight: 2 },
    { arbitrary: deepValue, weight: 1 },
    { arbitrary: small, weight: 1 },
  );
}

/** Key/value pairs; keys are mostly the route's own fields. Duplicates and prototype keys included. */
function entriesFor(op: Operation): fc.Arbitrary<Array<[string, Json]>> {
  const known = [...new Set([...op.fields, ...COMMON_FIELDS])];
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...(op.fields.length ? op.fields : COMMON_FIELDS)), weight: 6 },
    { arbitrary: fc.constantFrom(...known), weight: 2 },
    { arbitrary: fc.constantFrom(...PROTO_KEYS, ...OPERATOR_KEYS), weight: 1 },
    { arbitrary: anyString, weight: 1 },
  );
  return fc.array(fc.tuple(key, fieldValue()), { maxLength: 7 });
}

/** JSON text of an object written out by hand, so duplicate and "__proto__" keys survive. */
/** Percent-encode any string byte by byte (encodeURIComponent throws on lone surrogates; UTF-8 makes them U+FFFD). */
function pct(s: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function objectText(entries: Array<[string, Json]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`;
}

function formText(entries: Array<[string, Json]>): string {
  return entries
    .map(([k, v]) => `${pct(k)}=${pct(typeof v === "string" ? v : JSON.stringify(v) ?? "")}`)
    .join("&");
}

type BodyKind = "json" | "form" | "raw";
type Body = { kind: BodyKind; bytes: Uint8Array; label: string };
const utf8 = (s: string) => new TextEncoder().encode(s);

function bodyFor(op: Operation): fc.Arbitrary<Body | null> {
  const entries = entriesFor(op);
  const takesForm = op.media.includes("application/x-www-form-urlencoded");
  const shaped = shapedEntries(op);
  return fc.oneof(
    { arbitrary: shaped.map((e): Body => ({ kind: "json", bytes: utf8(objectText(e)), label: "shaped json" })), weight: 2 },
    { arbitrary: shaped.map((e): Body => ({ kind: "form", bytes: utf8(formText(e)), label: "shaped form" })), weight: takesForm ? 2 : 0 },
    { arbitrary: entries.map((e): Body => ({ kind: "json", bytes: utf8(objectText(e)), label: "json object" })), weight: 10 },
    { arbitrary: entries.map((e): Body => ({ kind: "form", bytes: utf8(formText(e)), label: "form" })), weight: takesForm ? 6 : 1 },
    {
      arbitrary: fc.tuple(entries, fc.constantFrom(...(op.fields.length ? op.fields : ["token"]))).map(
        ([e, k]): Body => ({ kind: "form", bytes: utf8(`${formText(e)}&${k}=a&${k}=b`), label: "form, repeated parameter" }),
      ),
      weight: takesForm ? 1 : 0,
    },
    { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): Body => ({ kind: "json", bytes: utf8(JSON.stringify(v) ?? "null"), label: "json value" })), weight: 2 },
    {
      arbitrary: fc.tuple(entries, fc.nat()).map(([e, cut]): Body => {
        const text = objectText(e);
        return { kind: "json", bytes: utf8(text.slice(0, cut % Math.max(1, text.length))), label: "broken json" };
      }),
      weight: 1,
    },
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b): Body => ({ kind: "raw", bytes: b, label: "raw bytes" })), weight: 1 },
    { arbitrary: fc.constant<Body>({ kind: "json", bytes: utf8(""), label: "empty" }), weight: 1 },
    { arbitrary: hugeString.map((s): Body => ({ kind: "json", bytes: utf8(JSON.stringify({ [op.fields[0] ?? "x"]: s.repeat(2) })), label: "large json" })), weight: 1 },
    { arbitrary: fc.constant(null), weight: op.media.length ? 1 : 4 },
  );
}

const ODD_CONTENT_TYPES = [
  null, "text/plain", "application/json; charset=latin1", "application/json; charset=utf-8", "APPLICATION/JSON",
  "application/x-www-form-urlencoded; charset=UTF-8", "multipart/form-data; boundary=x", "application/json, text/plain",
  "*/*", "", ";;;", 'application/json; charset="utf-8"', "application/x-www-form-urlencoded", "application/json",
];
function contentTypeFor(body: Body | null): fc.Arbitrary<string | null> {
  const matching = body?.kind === "form" ? "application/x-www-form-urlencoded" : "application/json";
  return fc.oneof({ arbitrary: fc.constant(matching), weight: 5 }, { arbitrary: fc.constantFrom(...ODD_CONTENT_TYPES), weight: 2 });
}

/** A path parameter: uuids, real ids, random text (escaped or not), traversal, malformed %-escapes. */
function pathParam(name: string): fc.Arbitrary<string> {
  const real = name === "asset" ? ["swagger-ui.css", "init.js", "favicon-32x32.png"] : [creds.target.userId, creds.spareSessionId];
  return fc.oneof(
    { arbitrary: fc.uuid(), weight: 3 },
    { arbitrary: fc.constantFrom(...real), weight: 2 },
    { arbitrary: anyString.map((s) => pct(s)), weight: 3 },
    { arbitrary: hugeString.map((s) => pct(s.slice(0, 200))), weight: 1 },
    { arbitrary: fc.constantFrom("..%2F..%2Fpackage.json", "%2e%2e%2f", "%00", ".env", "a%2Fb", "%20", "null", "undefined"), weight: 1 },
    // Malformed percent-escapes: the server must answer them like any other bad id.
    { arbitrary: fc.constantFrom("%zz", "%E0%A4%A", "%", "abc%", "%C0%AF", "%ff"), weight: 1 },
  );
}

/** Query strings, kept under ~6 kB encoded: longer request lines meet Node's own 431 before the app sees them. */
function queryFor(op: Operation): fc.Arbitrary<string> {
  const names = [...op.query, "access_token", "next", "page", "q", "__proto__", "_rsc"];
  const value = fc.oneof(plausibleValues().map((v) => (typeof v === "string" ? v : JSON.stringify(v))), anyString, hugeString.map((s) => s.slice(0, 100)));
  const param = fc.tuple(fc.oneof(fc.constantFrom(...names), anyString), value);
  return fc.oneof(
    { arbitrary: fc.constant(""), weight: 3 },
    { arbitrary: fc.array(param, { maxLength: 4 }).map((ps) => `?${ps.map(([k, v]) => `${pct(k)}=${pct(v)}`).join("&")}`), weight: 3 },
    { arbitrary: fc.constantFrom("?%zz=1", "?a=%", "?next=%E0%A4%A", "?page=-1", "?page=1e309", "?a[b]=c&a[c]=d"), weight: 1 },
  );
}

type Auth = { label: string; headers: Record<string, string> };

function authFor(op: Operation): fc.Arbitrary<Auth> {
  const { user, admin, disposable, forged } = creds;
  // Sign-out ends sessions (all of them with {"all": true}): there the "real" caller is the throwaway account.
  const accounts = op.path.endsWith("/logout") ? disposable : [user];
  return fc.constantFrom(...accounts).chain((mine) => authAs(op, mine, op.path.endsWith("/logout") ? mine : admin, forged));
}

function authAs(op: Operation, mine: Account, admin: Account, forged: Record<string, string>): fc.Arbitrary<Auth> {
  const origin = new URL(app.url).origin;
  const bearer = (label: string, token: string): Auth => ({ label, headers: { authorization: `Bearer ${token}` } });
  const cookie = (label: string, value: string, extra: Record<string, string> = {}): Auth => ({ label, headers: { cookie: value, ...extra } });
  return fc.oneof(
    { arbitrary: fc.constant<Auth>({ label: "none", headers: {} }), weight: 4 },
    { arbitrary: fc.constant(bearer("user token", mine.access)), weight: op.secured ? 4 : 1 },
    { arbitrary: fc.constant(bearer("admin token", admin.access)), weight: op.path.startsWith("/api/admin") ? 6 : 1 },
    { arbitrary: fc.constantFrom(...Object.entries(forged)).map(([k, t]) => bearer(`forged ${k}`, t)), weight: 3 },
    {
      arbitrary: fc.constantFrom<Auth>(
        { label: "bearer, no token", headers: { authorization: "Bearer" } },
        { label: "bearer, two tokens", headers: { authorization: `Bearer ${mine.access} ${mine.access}` } },
        { label: "bearer, lower case", headers: { authorization: `bearer ${mine.access}` } },
        { label: "basic", headers: { authorization: `Basic ${Buffer.from("client:secret").toString("base64")}` } },
        { label: "basic, empty secret", headers: { authorization: `Basic ${Buffer.from("client:").toString("base64")}` } },
        { label: "digest", headers: { authorization: 'Digest username="x"' } },
      ),
      weight: 1,
    },
    { arbitrary: fc.constant(cookie("cookie, same origin", `${ACCESS_COOKIE}=${mine.access}`, { origin })), weight: 2 },
    { arbitrary: fc.constant(cookie("cookie, no origin", `${ACCESS_COOKIE}=${mine.access}`)), weight: 1 },
    { arbitrary: fc.constant(cookie("cookie, evil origin", `${ACCESS_COOKIE}=${mine.access}`, { origin: "https://evil.test" })), weight: 1 },
    {
      arbitrary: fc.constantFrom(...Object.values(forged)).map((t) => cookie("cookie, forged", `${ACCESS_COOKIE}=${t}; ${REFRESH_COOKIE}=${t}`, { origin })),
      weight: 1,
    },
  );
}

/** Where the request claims to come from: mostly a random address, sometimes the socket's, sometimes nonsense. */
const forwardedFor = fc.oneof(
  { arbitrary: fc.ipV4().map((ip) => ({ "x-forwarded-for": ip }) as Record<string, string>), weight: 12 },
  { arbitrary: fc.ipV6().map((ip) => ({ "x-forwarded-for": ip }) as Record<string, string>), weight: 1 },
  { arbitrary: fc.constant<Record<string, string>>({}), weight: 3 },
  {
    arbitrary: fc.constantFrom<Record<string, string>>(
      { "x-forwarded-for": "" },
      { "x-forwarded-for": "unknown" },
      { "x-forwarded-for": "1.1.1.1, 2.2.2.2, 3.3.3.3" },
      { "x-forwarded-for": "<script>alert(1)</script>" },
      { "x-forwarded-for": "9".repeat(400) },
    ),
    weight: 1,
  },
);
const userAgent = fc.oneof(
  fc.constant("fuzz"),
  fc.string({ unit: "binary-ascii", maxLength: 600 }).map((s) => s.replace(/[\u0000-\u001f\u007f]/g, "").trim() || "fuzz"),
);

type FuzzRequest = { op: Operation; url: string; method: string; headers: Record<string, string>; body?: Uint8Array; label: string };

function requestFor(op: Operation): fc.Arbitrary<FuzzRequest> {
  const params = fc.tuple(...op.pathParams.map(pathParam));
  const body = op.method === "GET" ? fc.constant(null) : bodyFor(op);
  return fc
    .tuple(params, queryFor(op), authFor(op), forwardedFor, userAgent, body)
    .chain(([ps, query, auth, ip, ua, b]) =>
      contentTypeFor(b).map((ct): FuzzRequest => {
        let path = op.path;
        op.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, () => ps[i] ?? "")));
        const headers: Record<string, string> = { ...ip, ...auth.headers, "user-agent": ua };
        if (b && ct !== null) headers["content-type"] = ct;
        return {
          op,
          url: `${app.url}${path}${query}`,
          method: op.method,
          headers,
          body: b?.bytes,
          label: `${auth.label}; body ${b ? `${b.label} (${b.bytes.byteLength} B, ${ct ?? "no content-type"})` : "none"}`,
        };
      }),
    );
}

/** Any path under /api that no route claims. */
function unknownApiPath(): fc.Arbitrary<FuzzRequest> {
  const op: Operation = { method: "GET", path: "/api/{unknown}", oauth: false, secured: false, media: [], fields: [], query: [], pathParams: [] };
  const segment = fc.oneof(
    anyString.map((s) => pct(s) || "x"),
    fc.constantFrom("%zz", "..", "%2e%2e", "%", "%ff", "_next", "admin", "me", "auth", "token", "%00"),
  );
  return fc
    .tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE"), forwardedFor)
    // Dot segments (also %2e%2e) are resolved by the client's URL parser, and the first segment must name no route.
    .filter(([segs]) => !["auth", "me", "admin", "docs", "health", "openapi.json"].includes(segs[0] ?? ""))
    .filter(([segs]) => new URL(`http://x/api/${segs.join("/")}`).pathname.startsWith("/api/"))
    .map(([segs, method, ip]): FuzzRequest => ({
      op: { ...op, method },
      url: `${app.url}/api/${segs.join("/")}`,
      method,
      headers: { ...ip },
      label: "unknown path",
    }));
}

// ─── Sending and judging ──────────────────────────────────────────────────

type Answer = { status: number; headers: Headers; text: string; base?: string } | { error: string };

let sent = 0;
async function send(r: FuzzRequest): Promise<Answer> {
  const base = replica && sent++ % 2 === 1 ? replica.url : app.url;
  try {
    const res = await fetch(base === app.url ? r.url : base + r.url.slice(app.url.length), {
      method: r.method,
      headers: r.headers,
      body: r.body as BodyInit | undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, headers: res.headers, text: await res.text(), base };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

const KEBAB = /^[a-z]+(-[a-z]+)*$/;
const SNAKE = /^[a-z]+(_[a-z]+)*$/;
// What an answer must never contain: stack frames, file paths, ORM or SQL internals.
const LEAKS = [/\n\s+at .+:\d+:\d+/, /node_modules/, /\/work\//, /\.next\/server/, /PrismaClient|Invalid `prisma\./, /\bP[12]\d{3}\b.*prisma/i, /syntax error at or near/, /duplicate key value/];

function problemsWith(r: FuzzRequest, a: Answer): string[] {
  if ("error" in a) return [`no answer (${a.error})`];
  const out: string[] = [];
  const { status, headers, text } = a;
  if (status >= 500) return [`status ${status} (${headers.get("content-type") ?? "no content-type"}): ${JSON.stringify(text.slice(0, 80))}`];
  for (const leak of LEAKS) if (leak.test(text)) out.push(`answer leaks ${leak}`);
  // A redirect stays on the app: APP_URL's origin, or the instance that answered.
  const location = headers.get("location");
  const served = a.base ?? app.url;
  if (location && ![new URL(app.url).origin, new URL(served).origin].includes(new URL(location, served).origin)) {
    out.push(`redirect off-site to ${location}`);
  }
  if (status === 429 && !/^\d+$/.test(headers.get("retry-after") ?? "")) out.push("429 without Retry-After");
  if (status === 401 && r.op.secured && !/^Bearer realm="[^"]+"/.test(headers.get("www-authenticate") ?? "")) out.push("401 without the Bearer challenge");
  if (status < 400) return out;

  if (!/^application\/json/.test(headers.get("content-type") ?? "")) {
    out.push(`${status} answered as ${headers.get("content-type") ?? "no content-type"}: ${JSON.stringify(text.slice(0, 80))}`);
    return out;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...out, `${status} with a body that is not JSON`];
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return [...out, `${status} with a JSON body that is not an object`];
  const b = body as Record<string, unknown>;
  if (r.op.oauth) {
    const extra = Object.keys(b).filter((k) => !["error", "error_description"].includes(k));
    if (typeof b.error !== "string" || !SNAKE.test(b.error) || typeof b.error_description !== "string" || extra.length) {
      out.push(`${status} not in the RFC 6749 error shape: ${text.slice(0, 120)}`);
    }
  } else {
    const extra = Object.keys(b).filter((k) => !["error", "message", "fields"].includes(k));
    const fieldsOk =
      b.fields === undefined ||
      (typeof b.fields === "object" && b.fields !== null && Object.values(b.fields).every((v) => Array.isArray(v) && v.every((m) => typeof m === "string")));
    if (typeof b.error !== "string" || !KEBAB.test(b.error) || typeof b.message !== "string" || extra.length || !fieldsOk) {
      out.push(`${status} not in the API error shape: ${text.slice(0, 120)}`);
    }
  }
  return out;
}

type Tally = { statuses: Map<string, number>; failures: Array<{ request: FuzzRequest; problems: string[]; status: string }> };

/** Run `work` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One route's requests, generated in small seeded batches as the pool asks for them. */
type Source = { count: number; arbitrary: fc.Arbitrary<FuzzRequest>; buffer: FuzzRequest[]; chunk: number; seed: number };

function take(src: Source): FuzzRequest {
  if (src.buffer.length === 0) src.buffer = fc.sample(src.arbitrary, { numRuns: 50, seed: src.seed + src.chunk++ });
  return src.buffer.pop()!;
}

/** Fisher–Yates with a seeded generator (mulberry32): the same seed, the same order. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function describeRequest(r: FuzzRequest): string {
  const body = r.body ? Buffer.from(r.body).toString("utf8") : "";
  const shown = body.length > 160 ? `${body.slice(0, 160)}… (${body.length} chars)` : body;
  const url = r.url.length > 200 ? `${r.url.slice(0, 200)}…` : r.url;
  return `${r.method} ${url.replace(app.url, "")}  [${r.label}]  ${JSON.stringify(shown)}`;
}

// ─── The tests ────────────────────────────────────────────────────────────

beforeAll(async () => {
  sink = await startSmtpSink();
  // PASSWORD_QUEUE_MAX: the fuzz checks answers to odd input, not capacity; 24 requests in flight at cost 12
  // would otherwise meet the bcrypt budget (503 busy), which sec/password-queue tests on its own.
  const env = { SMTP_URL: sink.url, JWT_SECRET, TRUST_PROXY_HEADER: "x-forwarded-for", LOG_LEVEL: "debug", DATABASE_POOL_SIZE: "8", PASSWORD_QUEUE_MAX: "1000" };
  app = await startApp(env);
  if (process.env.FUZZ_SINGLE_INSTANCE !== "1") replica = await startReplica(app, env);
  const user = await signUpThroughApi("user");
  const spare = await passwordGrant(user.email);
  const admin = await signUpThroughApi("admin");
  const target = await signUpThroughApi("target");
  const throwaway = await signUpThroughApi("throwaway");
  const disposable = [throwaway, ...(await Promise.all([1, 2, 3, 4].map(() => passwordGrant(throwaway.email))))];
  // There is no admin sign-up (admin:create is a CLI): promote through the database, as that CLI does.
  const db = new Client({ connectionString: app.databaseUrl });
  await db.connect();
  await db.query(`UPDATE users SET role = 'ADMIN' WHERE email = $1`, [admin.email]);
  await db.end();
  creds = { user, disposable, spareSessionId: spare.sessionId, admin, target, forged: {} };
  creds.forged = await forgedTokens(user);
  for (const t of Object.values(creds.forged)) if (t.length > 20) secrets.add(t);
}, 120_000);

afterAll(async () => {
  await replica?.stop();
  await app?.stop();
  await sink?.close();
});

describe("fuzzing every API route of the production server", () => {
  it("keeps per-IP limits, the sign-in lockout and sessions across two instances sharing one database", async () => {
    if (!replica) return; // FUZZ_SINGLE_INSTANCE=1
    const instances = [app.url, replica.url];
    const grant = (base: string, form: Record<string, string>, from: string) =>
      fetch(`${base}/api/auth/token`, {
        method: "POST",
        headers: { "x-forwarded-for": from, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      });
    // The token endpoint allows 30 requests a minute per address: spent half on each instance, the 31st is refused on either.
    for (let i = 0; i < 30; i++) {
      expect((await grant(instances[i % 2]!, { grant_type: "refresh_token", refresh_token: `unknown-${i}` }, "203.0.113.77")).status).toBe(400);
    }
    for (const base of instances) {
      const limited = await grant(base, { grant_type: "refresh_token", refresh_token: "unknown" }, "203.0.113.77");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // 10 wrong passwords, alternating instances and addresses, lock the account on both.
    const victim = await signUpThroughApi("lockout");
    for (let i = 0; i < 10; i++) {
      const wrong = await grant(instances[i % 2]!, { grant_type: "password", username: victim.email, password: `wrong password number ${i}` }, `198.51.100.${i}`);
      expect(wrong.status).toBe(400);
    }
    for (const [i, base] of instances.entries()) {
      const right = await grant(base, { grant_type: "password", username: victim.email, password: PASSWORD }, `198.51.100.${100 + i}`);
      expect(right.status).toBe(400);
      expect(((await right.json()) as { error: string }).error).toBe("invalid_grant");
    }
    // A token issued by one instance is good on the other; its revocation there applies here at once.
    const session = await passwordGrant(creds.target.email);
    const me = (base: string) => fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${session.access}` } });
    expect((await me(replica.url)).status).toBe(200);
    const revoked = await fetch(`${replica.url}/api/auth/logout`, { method: "POST", headers: { authorization: `Bearer ${session.access}` } });
    expect(revoked.status).toBe(200);
    expect((await me(app.url)).status).toBe(401);
  }, 120_000);

  it(`answers ${RUNS} generated bodies per route (GET: ${Math.ceil(RUNS / 8)} queries) below 500, every error in the route's error shape`, async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as OpenApiDoc;
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThan(20);

    // Each route gets RUNS generated bodies, shared among its methods that take one (POST and DELETE
    // of /lock: RUNS / 2 each). A GET takes no body: each GET gets RUNS / 8 generated query strings and headers.
    const sources: Source[] = ops.map((op, i) => {
      const siblings = ops.filter((o) => o.path === op.path && o.method !== "GET").length;
      return { count: op.method === "GET" ? Math.ceil(RUNS / 8) : Math.ceil(RUNS / siblings), arbitrary: requestFor(op), buffer: [], chunk: 0, seed: SEED + 7919 * (i + 1) };
    });
    sources.push({ count: UNKNOWN_PATH_RUNS, arbitrary: unknownApiPath(), buffer: [], chunk: 0, seed: SEED + 7919 * (ops.length + 1) });
    // Interleave the routes (a slow one, bcrypt or mail, never runs alone at the end); requests are made as they are sent.
    const plan = shuffle(sources.flatMap((src, i) => Array<number>(src.count).fill(i)), SEED);

    const tallies = new Map<string, Tally>();
    const started = Date.now();
    await pool(plan, CONCURRENCY, async (i) => {
      const r = take(sources[i]!);
      const answer = await send(r);
      const key = `${r.method} ${r.op.path}`;
      const tally: Tally = tallies.get(key) ?? { statuses: new Map(), failures: [] };
      tallies.set(key, tally);
      const status = "error" in answer ? "no answer" : String(answer.status);
      tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
      const problems = problemsWith(r, answer);
      if (problems.length) tally.failures.push({ request: r, problems, status });
    });
    const seconds = (Date.now() - started) / 1000;

    const rows = [...tallies.entries()].sort(([a], [b]) => a.localeCompare(b));
    const table = rows.map(([key, t]) => {
      const statuses = [...t.statuses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => `${s}×${n}`).join(" ");
      const total = [...t.statuses.values()].reduce((x, y) => x + y, 0);
      return `${key.padEnd(52)} ${String(total).padStart(5)}  ${statuses}${t.failures.length ? `   FAILED ${t.failures.length}` : ""}`;
    });
    console.log(
      `Fuzzed ${plan.length} requests in ${seconds.toFixed(1)} s, ${(plan.length / seconds).toFixed(0)}/s over ${replica ? 2 : 1} instance(s); seed ${SEED} (FUZZ_SEED=${SEED} replays it)\n${table.join("\n")}`,
    );

    // One line per kind of failure and route, with up to three requests that show it.
    const report: string[] = [];
    for (const [key, t] of rows) {
      const byKind = new Map<string, FuzzRequest[]>();
      for (const f of t.failures) {
        for (const p of f.problems) {
          const kind = p.replace(/: .*$/s, "");
          byKind.set(kind, [...(byKind.get(kind) ?? []), f.request]);
        }
      }
      for (const [kind, reqs] of byKind) {
        report.push(`${key}: ${kind} (${reqs.length}×), e.g.\n${reqs.slice(0, 3).map((r) => `    ${describeRequest(r)}`).join("\n")}`);
      }
    }
    expect(report).toEqual([]);
    // Every documented route was actually exercised.
    for (const op of ops) expect(tallies.has(`${op.method} ${op.path}`)).toBe(true);
    // ~45,000 requests: 72–89 a second on this 2-core machine while other jobs ran (8.5–10.5 min, measured).
  }, 1_500_000);

  it("never writes a password, code, token or cookie value it was sent to the server's logs", async () => {
    // Codes and links mailed during the run are secrets too.
    for (const mail of sink.mails) {
      for (const code of mail.text?.match(/\b\d{6}\b/g) ?? []) secrets.add(code);
      for (const token of mail.text?.match(/token=([A-Za-z0-9_-]{43})/g) ?? []) secrets.add(token.slice("token=".length));
    }
    const logs = app.logs() + (replica?.logs() ?? "");
    expect(logs.length).toBeGreaterThan(0);
    const found = [...secrets].filter((s) => {
      // A 6-digit code only counts on its own, not inside a longer run of digits or hex (request ids).
      if (/^\d{6}$/.test(s)) return new RegExp(`(?<![0-9A-Za-z])${s}(?![0-9A-Za-z])`).test(logs);
      return logs.includes(s);
    });
    expect(found.map((s) => `${s.slice(0, 12)}… (${s.length} chars)`)).toEqual([]);
  });
});
