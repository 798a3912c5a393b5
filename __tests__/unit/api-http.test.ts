/**
 * @jest-environment node
 */
import { NextRequest } from "next/server";
import { z } from "zod";
import { WeakPasswordError } from "@/lib/auth/accounts";
import { AuthError } from "@/lib/auth/errors";
import { resetEnvForTests } from "@/lib/env";
import { MAX_BODY_BYTES, parseJsonBody, readBody } from "@/lib/http/body";
import { isDatabaseUnavailable } from "@/lib/db/errors";
import { RequestError, toErrorResponse } from "@/lib/http/errors";
import { apiRoute, isMethodNotAllowedHandler, methodsBesides } from "@/lib/http/route";
import { toOAuthErrorResponse } from "@/lib/http/oauth";

/** The HTTP layer on its own: body reading, the error shape, 405s and CORS. No database. */

const URL_ = "http://localhost:3000/api/test";

function post(body: BodyInit | null, headers: Record<string, string> = {}): NextRequest {
  return new NextRequest(URL_, { method: "POST", headers, body });
}

async function errorOf(p: Promise<unknown>): Promise<RequestError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RequestError);
    return err as RequestError;
  }
  throw new Error("expected a RequestError");
}

describe("readBody", () => {
  const json = { "content-type": "application/json" };

  it("returns a JSON object; charset utf-8 in any case is fine", async () => {
    expect(await readBody(post('{"a":1}', json), { accept: ["json"] })).toEqual({ a: 1 });
    expect(await readBody(post('{"a":1}', { "content-type": "Application/JSON; Charset=UTF-8" }), { accept: ["json"] })).toEqual({ a: 1 });
  });

  it("refuses arrays, null, bare values and malformed JSON with invalid-request (400)", async () => {
    for (const body of ["[1]", "null", "true", '"x"', "12", "{", '{"a":1,}', "\u0000"]) {
      const err = await errorOf(readBody(post(body, json), { accept: ["json"] }));
      expect(err.code).toBe("invalid-request");
      expect(err.status).toBe(400);
    }
  });

  it("refuses other media types, a missing Content-Type and other charsets with 415", async () => {
    const cases: Array<Record<string, string>> = [
      { "content-type": "text/plain" },
      {},
      { "content-type": "application/json; charset=latin1" },
      { "content-type": "application/jsonx" },
    ];
    for (const headers of cases) {
      const err = await errorOf(readBody(post('{"a":1}', headers), { accept: ["json"] }));
      expect(err.code).toBe("unsupported-media-type");
      expect(err.status).toBe(415);
    }
    // The form type only where the endpoint speaks it.
    const err = await errorOf(readBody(post("a=1", { "content-type": "application/x-www-form-urlencoded" }), { accept: ["json"] }));
    expect(err.status).toBe(415);
  });

  it("refuses more than 16 kB with 413, whatever Content-Length claims", async () => {
    const big = JSON.stringify({ a: "x".repeat(MAX_BODY_BYTES) });
    expect((await errorOf(readBody(post(big, json), { accept: ["json"] }))).status).toBe(413);
    // A lying Content-Length does not let it through; an honest big one is refused before reading.
    const claimed = new NextRequest(URL_, { method: "POST", headers: { ...json, "content-length": "999999" }, body: "{}" });
    expect((await errorOf(readBody(claimed, { accept: ["json"] }))).status).toBe(413);
    // Exactly 16 kB is fine.
    const exact = JSON.stringify({ a: "x".repeat(MAX_BODY_BYTES - 8) });
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    expect(await readBody(post(exact, json), { accept: ["json"] })).toEqual({ a: expect.any(String) });
  });

  it("refuses invalid UTF-8 with 400", async () => {
    const err = await errorOf(readBody(post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), json), { accept: ["json"] }));
    expect(err.code).toBe("invalid-request");
  });

  it("an empty body is {} only where the body is optional", async () => {
    expect(await readBody(post(null), { accept: ["json"], optional: true })).toEqual({});
    expect(await readBody(post("", json), { accept: ["json"], optional: true })).toEqual({});
    expect((await errorOf(readBody(post("", json), { accept: ["json"] }))).code).toBe("invalid-request");
  });

  it("reads form bodies as plain strings and refuses repeated parameters", async () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    expect(await readBody(post("a=1&b=%40x", form), { accept: ["form"] })).toEqual({ a: "1", b: "@x" });
    expect((await errorOf(readBody(post("a=1&a=2", form), { accept: ["form"] }))).message).toMatch(/"a" is repeated/);
    const proto = await readBody(post("__proto__=x&role=ADMIN", form), { accept: ["form"] });
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });
});

describe("parseJsonBody", () => {
  const schema = z.object({ email: z.string().max(10), n: z.number() });

  it("returns every field message and strips unknown fields", async () => {
    const ok = await parseJsonBody(post('{"email":"a","n":1,"role":"ADMIN","userId":"x"}', { "content-type": "application/json" }), schema);
    expect(ok).toEqual({ email: "a", n: 1 });
    const err = await errorOf(parseJsonBody(post('{"email":{"contains":"a"},"n":"1"}', { "content-type": "application/json" }), schema));
    expect(err.code).toBe("validation-failed");
    expect(err.status).toBe(400);
    expect(Object.keys(err.fields!).sort()).toEqual(["email", "n"]);
  });

  it("keeps a __proto__ key as data, never as the prototype", async () => {
    const loose = z.object({ name: z.string() }).passthrough();
    const parsed = await parseJsonBody(post('{"name":"a","__proto__":{"role":"ADMIN"}}', { "content-type": "application/json" }), loose);
    expect((parsed as Record<string, unknown>).role).toBeUndefined();
  });
});

describe("the error shape", () => {
  async function bodyOf(res: Response) {
    return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
  }

  it("maps AuthError codes to their status, with Retry-After on 429", async () => {
    const r = await bodyOf(toErrorResponse(new AuthError("rate-limited", "Slow down.", 42)));
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("42");
    expect(r.json).toEqual({ error: "rate-limited", message: "Slow down." });
    expect(r.headers.get("cache-control")).toBe("no-store");
    expect((await bodyOf(toErrorResponse(new AuthError("invalid-code", "No.")))).status).toBe(400);
  });

  it("puts a weak password's reason on the password field", async () => {
    const r = await bodyOf(toErrorResponse(new WeakPasswordError("This password is too easy to guess.")));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: "validation-failed", fields: { password: ["This password is too easy to guess."] } });
  });

  it("answers a database outage with 503 service-unavailable, and a bug with a bare 500, leaking nothing", async () => {
    const outage = Object.assign(new Error("Can't reach database server at db.internal:5432\nSELECT * FROM users"), {
      name: "PrismaClientKnownRequestError",
      code: "P1001",
    });
    const down = await bodyOf(toErrorResponse(outage));
    expect(down.status).toBe(503);
    expect(down.json.error).toBe("service-unavailable");
    expect(down.headers.get("retry-after")).toBe("5");

    const spy = jest.spyOn(console, "error").mockImplementation(() => {});
    const bug = Object.assign(new Error('Unique constraint failed on the fields: (`email`) SELECT "password_hash" FROM users'), {
      name: "PrismaClientKnownRequestError",
      code: "P2002",
      stack: "at lib/data/users.ts:12",
    });
    const r = await bodyOf(toErrorResponse(bug));
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "internal-error", message: expect.any(String) });
    const text = JSON.stringify(r.json);
    for (const leak of ["SELECT", "P2002", "password_hash", "users.ts", "constraint"]) expect(text).not.toContain(leak);
    expect(JSON.stringify(spy.mock.calls)).not.toContain("SELECT");
    spy.mockRestore();
  });

  it("recognises outages by Prisma code, driver-adapter kind, network code and cause", () => {
    expect(isDatabaseUnavailable({ name: "PrismaClientInitializationError" })).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2024" })).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2002", meta: { driverAdapterError: { cause: { kind: "DatabaseNotReachable" } } } })).toBe(true);
    expect(isDatabaseUnavailable(new Error("x", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) }))).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2002" })).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });

  // Each of these reached the client as a 500 before the load and fault runs (load/README.md).
  it("recognises pool timeouts, dropped connections and server shutdowns", () => {
    // pg-pool: no connection free within connectionTimeoutMillis (no code at all).
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to connect"))).toBe(true);
    // pg: the server closed the socket under a query or an idle client.
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    // Prisma: an interactive transaction got no connection within maxWait.
    expect(isDatabaseUnavailable({ name: "PrismaClientKnownRequestError", code: "P2028", meta: {} })).toBe(true);
    // @prisma/adapter-pg: PostgreSQL shutting down (fast stop), starting up, out of connections.
    const adapter = (code: string) => ({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "postgres", code, originalCode: code } } } });
    expect(isDatabaseUnavailable(adapter("57P01"))).toBe(true);
    expect(isDatabaseUnavailable(adapter("57P03"))).toBe(true);
    expect(isDatabaseUnavailable(adapter("08006"))).toBe(true);
    expect(isDatabaseUnavailable(adapter("53300"))).toBe(true);
    // …but not a bug or a constraint.
    expect(isDatabaseUnavailable(adapter("23505"))).toBe(false);
    expect(isDatabaseUnavailable(adapter("42P01"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("timeout exceeded when trying to parse the input"))).toBe(false);
    expect(isDatabaseUnavailable({ code: "ECONNREFUSED_X", message: "Connection terminated" })).toBe(false);
  });

  it("answers a dropped connection with 503 in both error shapes", async () => {
    const dropped = new Error("Connection terminated unexpectedly");
    const api = await bodyOf(toErrorResponse(dropped));
    expect(api.status).toBe(503);
    expect(api.json).toEqual({ error: "service-unavailable", message: expect.any(String) });
    const oauth = toOAuthErrorResponse(new Error("timeout exceeded when trying to connect"));
    expect(oauth.status).toBe(503);
    expect(await oauth.json()).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) });
  });

  it("speaks RFC 6749 on the OAuth endpoints", async () => {
    const limited = toOAuthErrorResponse(new AuthError("rate-limited", "Too many.", 9));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("9");
    expect(limited.headers.get("pragma")).toBe("no-cache");
    expect(await limited.json()).toEqual({ error: "invalid_request", error_description: "Too many." });
    const tooBig = toOAuthErrorResponse(new RequestError("payload-too-large", "Too big."));
    expect(tooBig.status).toBe(413);
    expect((await tooBig.json()).error).toBe("invalid_request");
    const down = toOAuthErrorResponse(Object.assign(new Error("x"), { code: "P1001" }));
    expect(down.status).toBe(503);
    expect((await down.json()).error).toBe("temporarily_unavailable");
  });
});

describe("apiRoute and methodsBesides", () => {
  afterEach(() => {
    delete process.env.CORS_ORIGINS;
    resetEnvForTests();
  });

  it("marks every answer no-store and turns thrown errors into the error shape", async () => {
    const ok = apiRoute(async () => Response.json({ a: 1 }));
    expect((await ok(post(null))).headers.get("cache-control")).toBe("no-store");
    const boom = apiRoute(async () => {
      throw new RequestError("validation-failed", "Bad.", { email: ["Bad email"] });
    });
    const res = await boom(post(null));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "validation-failed", message: "Bad.", fields: { email: ["Bad email"] } });
  });

  it("answers other methods with 405 in the JSON shape and an Allow header", async () => {
    const { POST, DELETE, OPTIONS } = methodsBesides("GET", "PATCH");
    const res = await POST(post(null));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, PATCH, HEAD, OPTIONS");
    expect(await res.json()).toEqual({ error: "method-not-allowed", message: expect.stringMatching(/POST is not supported/) });
    expect((await DELETE(post(null))).status).toBe(405);
    expect(isMethodNotAllowedHandler(POST)).toBe(true);
    expect(isMethodNotAllowedHandler(apiRoute(async () => new Response()))).toBe(false);
    const options = await OPTIONS(new NextRequest(URL_, { method: "OPTIONS" }));
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")).toBe("GET, PATCH, HEAD, OPTIONS");
    expect(options.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("adds CORS headers for listed origins only, and never allows credentials", async () => {
    process.env.CORS_ORIGINS = "https://app.example, https://other.example";
    resetEnvForTests();
    const handler = apiRoute(async () => Response.json({}));
    const from = (origin: string) => handler(new NextRequest(URL_, { headers: { origin } }));
    const listed = await from("https://app.example");
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(listed.headers.get("access-control-expose-headers")).toMatch(/WWW-Authenticate/);
    expect(listed.headers.get("vary")).toMatch(/Origin/);
    expect(listed.headers.get("access-control-allow-credentials")).toBeNull();
    expect((await from("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    expect((await from("null")).headers.get("access-control-allow-origin")).toBeNull();

    const { OPTIONS } = methodsBesides("POST");
    const preflight = await OPTIONS(
      new NextRequest(URL_, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type");
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
  });
});
