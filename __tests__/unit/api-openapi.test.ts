/**
 * @jest-environment node
 */
import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { GET as DOCS_ASSET } from "@/app/api/docs/[asset]/route";
import { GET as DOCS } from "@/app/api/docs/route";
import { GET as OPENAPI } from "@/app/api/openapi.json/route";
import * as CATCH_ALL from "@/app/api/[[...path]]/route";
import { resetEnvForTests } from "@/lib/env";
import { isMethodNotAllowedHandler } from "@/lib/http/route";
import { getOpenApiDocument } from "@/lib/openapi/document";
import { passwordGrantSchema, registerRequestSchemaFor, tokenRequestSchema } from "@/lib/validation/api";

/**
 * The OpenAPI document: valid OpenAPI 3.1, and it lists exactly the routes and
 * methods that exist under app/api (found by walking the folder and importing
 * each route module). The docs page is served from node_modules, no CDN.
 */

const API_DIR = path.resolve(__dirname, "../../app/api");
const APP = "http://localhost:3000";
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const CATCH_ALL_DIR = "[[...path]]";

type Doc = { openapi: string; paths: Record<string, Record<string, unknown>>; components?: Record<string, unknown> };

function routeFiles(dir = API_DIR): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...routeFiles(full));
    else if (name === "route.ts") out.push(full);
  }
  return out;
}

/** app/api/me/sessions/[id]/route.ts → /api/me/sessions/{id} */
function openApiPath(file: string): string {
  const rel = path.relative(path.resolve(API_DIR, ".."), path.dirname(file)).split(path.sep);
  return "/" + rel.map((seg) => seg.replace(/^\[(\w+)\]$/, "{$1}")).join("/");
}

/**
 * Validate with @apidevtools/swagger-parser. It is CommonJS but requires the
 * ESM-only json-schema-ref-parser, which jest's module loader (and Node 20
 * without --experimental-require-module) cannot load: so it runs in a child
 * Node process with that flag, reading the document on stdin.
 */
function swaggerValidate(doc: unknown): Promise<{ valid: boolean; message: string }> {
  const script = `
    const SwaggerParser = require("@apidevtools/swagger-parser");
    let input = "";
    process.stdin.on("data", (d) => (input += d)).on("end", async () => {
      try {
        await SwaggerParser.validate(JSON.parse(input));
        process.stdout.write(JSON.stringify({ valid: true, message: "" }));
      } catch (err) {
        process.stdout.write(JSON.stringify({ valid: false, message: String(err && err.message) }));
      }
    });`;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ["--no-warnings", "--experimental-require-module", "-e", script], { cwd: path.resolve(__dirname, "../..") }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as { valid: boolean; message: string });
    });
    child.stdin!.end(JSON.stringify(doc));
  });
}

function get(url: string): NextRequest {
  return new NextRequest(new URL(url, APP));
}

afterEach(() => {
  delete process.env.PASSWORD_GRANT_ENABLED;
  delete process.env.PASSWORD_MIN_LENGTH;
  resetEnvForTests();
});

describe("GET /api/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document (swagger-parser)", async () => {
    const res = await OPENAPI(get("/api/openapi.json"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe("3.1.0");
    expect(await swaggerValidate(doc)).toEqual({ valid: true, message: "" });
    // The validator does reject a broken document (so the check above means something).
    const broken = structuredClone(doc);
    (broken.paths["/api/me"] as Record<string, unknown>).get = { responses: { "200": { content: {} } } };
    expect((await swaggerValidate(broken)).valid).toBe(false);
  });

  it("lists every route under app/api with exactly the methods it implements", async () => {
    const doc = (await (await OPENAPI(get("/api/openapi.json"))).json()) as Doc;
    const fromFiles = new Map<string, string[]>();
    const files = routeFiles();
    expect(files.length).toBeGreaterThanOrEqual(15);
    for (const file of files) {
      if (file.includes(`${path.sep}${CATCH_ALL_DIR}${path.sep}`)) continue; // the 404 catch-all is not an endpoint
      const mod = (await import(file)) as Record<string, unknown>;
      const real = METHODS.filter((m) => typeof mod[m] === "function" && !isMethodNotAllowedHandler(mod[m]));
      expect(real.length).toBeGreaterThan(0);
      fromFiles.set(openApiPath(file), real.map((m) => m.toLowerCase()).sort());
    }
    const fromDoc = new Map(
      Object.entries(doc.paths).map(([p, item]) => [p, Object.keys(item).filter((k) => METHODS.some((m) => m.toLowerCase() === k)).sort()]),
    );
    expect(Object.fromEntries([...fromDoc].sort())).toEqual(Object.fromEntries([...fromFiles].sort()));
  });

  it("describes the token endpoint from the handler's own schema, in both media types, with RFC 6749 errors", () => {
    const doc = getOpenApiDocument() as unknown as {
      paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { oneOf?: unknown[]; anyOf?: unknown[]; properties?: Record<string, unknown> }> };
    };
    const token = doc.paths["/api/auth/token"]!.post;
    expect(Object.keys(token.requestBody.content).sort()).toEqual(["application/json", "application/x-www-form-urlencoded"]);
    expect(token.requestBody.content["application/x-www-form-urlencoded"]!.schema).toEqual({ $ref: "#/components/schemas/TokenRequest" });
    expect(Object.keys(token.responses).sort()).toEqual(["200", "400", "401", "413", "415", "429", "500", "503"]);
    expect(Object.keys(doc.components.schemas.PasswordGrantRequest!.properties!).sort()).toEqual(
      Object.keys(passwordGrantSchema.shape).sort(),
    );
    // The very object the handler parses with is the one documented.
    expect(tokenRequestSchema.meta()?.id).toBe("TokenRequest");
  });

  it("follows the settings: password length, and the password grant switched off", async () => {
    process.env.PASSWORD_MIN_LENGTH = "20";
    process.env.PASSWORD_GRANT_ENABLED = "false";
    resetEnvForTests();
    const doc = getOpenApiDocument() as unknown as {
      paths: Record<string, { post: { description: string; requestBody: { content: Record<string, { schema: { description?: string } }> } } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.paths["/api/auth/register"]!.post.requestBody.content["application/json"]!.schema.description).toMatch(/at least 20 characters/);
    expect(registerRequestSchemaFor(20).safeParse({ email: "a@b.test", name: "A", password: "violet kettle drums" }).success).toBe(false);
    expect(doc.paths["/api/auth/token"]!.post.description).toMatch(/turned off on this server/);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearerAuth", "cookieAuth"]);
  });
});

describe("the document lints clean where Redocly looked (issue 15)", () => {
  type Op = { security?: unknown[]; parameters?: Array<{ name: string; in: string; schema: { type?: string; format?: string } }> };
  const operations = (doc: Doc): Array<[string, Op]> =>
    Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item)
        .filter(([k]) => METHODS.some((m) => m.toLowerCase() === k))
        .map(([k, op]) => [`${k.toUpperCase()} ${p}`, op as Op] as [string, Op]),
    );

  it("gives every operation a security requirement: `security: []` exactly on the public ones", async () => {
    const doc = (await (await OPENAPI(get("/api/openapi.json"))).json()) as Doc;
    const ops = operations(doc);
    for (const [name, op] of ops) expect([name, Array.isArray(op.security)]).toEqual([name, true]);
    const open = ops.filter(([, op]) => op.security!.length === 0).map(([name]) => name).sort();
    expect(open).toEqual(
      [
        "POST /api/auth/token",
        "POST /api/auth/revoke",
        "POST /api/auth/register",
        "POST /api/auth/verify-email",
        "POST /api/auth/resend-code",
        "POST /api/auth/forgot-password",
        "POST /api/auth/reset-password",
        "GET /api/auth/refresh",
        "POST /api/auth/refresh",
        "GET /api/ping",
        "GET /api/health",
        "GET /api/openapi.json",
        "GET /api/docs",
        "GET /api/docs/{asset}",
      ].sort(),
    );
  });

  it("documents the audit filters from/to as dates (format: date)", async () => {
    const doc = (await (await OPENAPI(get("/api/openapi.json"))).json()) as Doc;
    const audit = doc.paths["/api/admin/audit"]!.get as Op;
    for (const name of ["from", "to"]) {
      const param = audit.parameters!.find((p) => p.in === "query" && p.name === name);
      expect(param?.schema).toMatchObject({ type: "string", format: "date" });
    }
  });

  it("promises no-store only where it holds, and names the answers that are cacheable", async () => {
    const doc = getOpenApiDocument() as unknown as { info: { description: string } };
    const answers: Array<[string, Response]> = [
      ["/api/openapi.json", await OPENAPI(get("/api/openapi.json"))],
      ["/api/docs", await DOCS(get("/api/docs"))],
      ["/api/docs/{asset}", await DOCS_ASSET(get("/api/docs/swagger-ui.css"), { params: Promise.resolve({ asset: "swagger-ui.css" }) })],
    ];
    const cacheable = answers.filter(([, res]) => res.headers.get("cache-control") !== "no-store").map(([p]) => p);
    expect(cacheable.length).toBeGreaterThan(0);
    expect(doc.info.description).not.toMatch(/every answer is `Cache-Control: no-store`/i);
    for (const p of cacheable) expect(doc.info.description).toContain(`\`${p}\``);
  });
});

describe("404 for unknown /api paths", () => {
  it("answers every method with the JSON error shape", async () => {
    for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const) {
      const handler = CATCH_ALL[method];
      const res = await handler(new NextRequest(new URL("/api/no/such/thing", APP), { method }));
      expect(res.status).toBe(404);
      expect(res.headers.get("cache-control")).toBe("no-store");
      if (method !== "HEAD") expect(await res.json()).toEqual({ error: "not-found", message: expect.any(String) });
    }
  });
});

describe("405 for the wrong method on every route", () => {
  it("answers JSON with an Allow header listing the real methods", async () => {
    for (const file of routeFiles()) {
      if (file.includes(CATCH_ALL_DIR)) continue;
      const mod = (await import(file)) as Record<string, unknown>;
      const real = METHODS.filter((m) => typeof mod[m] === "function" && !isMethodNotAllowedHandler(mod[m]));
      for (const m of METHODS) {
        const handler = mod[m];
        if (!isMethodNotAllowedHandler(handler)) continue;
        const res = await (handler as (r: NextRequest) => Promise<Response>)(new NextRequest(new URL(openApiPath(file), APP), { method: m }));
        expect(res.status).toBe(405);
        const allow = res.headers.get("allow")!.split(", ");
        for (const r of real) expect(allow).toContain(r);
        expect(allow).not.toContain(m);
        expect(await res.json()).toEqual({ error: "method-not-allowed", message: expect.any(String) });
      }
      // Every route answers every method: real ones, or 405 stubs (except the /api/auth/refresh and /api/health pages Next answers itself).
      if (!/auth[\\/]refresh|health/.test(file)) {
        for (const m of METHODS) expect(typeof mod[m]).toBe("function");
      }
    }
  });
});

describe("GET /api/docs", () => {
  it("serves a Swagger UI page whose files all come from this server", async () => {
    const res = await DOCS(get("/api/docs"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) expect(ref).toMatch(/^\/api\/docs\/[\w.-]+$/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script[^>]*>[^<]/); // no inline script

    // Under the middleware's nonce CSP ('strict-dynamic'), only nonced scripts run: the page carries the nonce.
    const nonced = await (await DOCS(new NextRequest(new URL("/api/docs", APP), { headers: { "x-nonce": "bm9uY2UtMTIzNDU2" } }))).text();
    expect(nonced.match(/<script src="[^"]+" nonce="bm9uY2UtMTIzNDU2"><\/script>/g)).toHaveLength(2);
    const injected = await (await DOCS(new NextRequest(new URL("/api/docs", APP), { headers: { "x-nonce": '"><script>alert(1)</script>' } }))).text();
    expect(injected).not.toContain("alert(1)");

    for (const ref of refs) {
      const asset = ref.split("/").pop()!;
      const a = await DOCS_ASSET(get(ref), { params: Promise.resolve({ asset }) });
      expect(a.status).toBe(200);
      expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it("streams the Swagger UI bundle and stylesheet from swagger-ui-dist, and the init script points at our document", async () => {
    const bundle = await DOCS_ASSET(get("/api/docs/swagger-ui-bundle.js"), { params: Promise.resolve({ asset: "swagger-ui-bundle.js" }) });
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await bundle.text();
    expect(js.length).toBeGreaterThan(500_000);
    expect(js).toContain("SwaggerUIBundle");
    const css = await DOCS_ASSET(get("/api/docs/swagger-ui.css"), { params: Promise.resolve({ asset: "swagger-ui.css" }) });
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain(".swagger-ui");
    const init = await DOCS_ASSET(get("/api/docs/init.js"), { params: Promise.resolve({ asset: "init.js" }) });
    expect(await init.text()).toContain('url: "/api/openapi.json"');
  });

  it("serves nothing outside its fixed list", async () => {
    for (const asset of ["../package.json", "..%2Fpackage.json", "package.json", "swagger-ui.js.map", "index.html", "__proto__", "constructor"]) {
      const res = await DOCS_ASSET(get(`/api/docs/${encodeURIComponent(asset)}`), { params: Promise.resolve({ asset }) });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: "not-found", message: expect.any(String) });
    }
  });
});
