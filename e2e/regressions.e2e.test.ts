/**
 * Issue #7 "Abuse resistance": known attacks on Next.js auth apps, replayed
 * against the real production server (`next start`, PostgreSQL, SMTP sink,
 * Debian's Chromium). Each test names the SECURITY.md rule it guards:
 *  - CVE-2025-29927 style middleware bypasses (x-middleware-subrequest,
 *    locale and data routes, RSC and prefetch requests): no protected
 *    content without a live session, even when a request slips past the middleware;
 *  - open redirects through sign-in's `next` and the refresh route;
 *  - forged tokens (alg none, JWE) in the cookie and the Bearer header;
 *  - cross-origin server actions answered 403, never Next's 500;
 *  - reset links built from APP_URL whatever Host / X-Forwarded-Host say;
 *  - security headers, cache rules and cookie flags of a production build;
 *  - client addresses taken from the socket, not from X-Forwarded-For;
 * and, last, that none of the passwords, codes, tokens or cookie values used
 * here reached the server's logs.
 *
 * Requests go out with `redirect: "manual"`, so every Location is seen as sent.
 */
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { ParsedMail } from "mailparser";
import { Client } from "pg";
import type { Browser, BrowserContext, Page, Response as PwResponse } from "playwright-core";
import { extractCode, extractLink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import type { AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

const PASSWORD = "violet lantern orbit 9 harbor";
const ACCESS_COOKIE = "__Host-gh_at";
const REFRESH_COOKIE = "__Secure-gh_rt";
const EVIL = "https://evil.test";
/** The open-redirect payloads of the issue, plus dot segments that a URL parser turns into "//". */
const REDIRECT_PAYLOADS = [
  "//evil.test",
  "/\\evil.test",
  "%2F%2Fevil.test",
  "/%2F%2Fevil.test",
  "https://evil.test",
  "javascript:alert(1)",
  "/%5Cevil.test",
  "///evil.test",
  "/\t/evil.test",
  "/.//evil.test",
  "/..//evil.test",
];
const SUBREQUEST_VARIANTS = [
  "middleware",
  "middleware:middleware:middleware:middleware:middleware",
  "src/middleware",
  "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
  "pages/_middleware",
  "_middleware",
  "proxy:proxy:proxy:proxy:proxy",
];
const PROTECTED_PAGES = ["/dashboard", "/account/profile", "/admin"];

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;
let origin: string;

/** Everything secret this file handled: none of it may appear in the server's logs. */
const secrets = new Set<string>([PASSWORD]);

type Person = { email: string; name: string; userId: string; access: string; refresh: string };

function isTo(mail: ParsedMail, email: string): boolean {
  const list = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return list.some((a) => a.value.some((v) => v.address?.toLowerCase() === email));
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${app.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    redirect: "manual",
  });
}

/** Sign up through POST /api/auth/register, confirm with the mailed code through POST /api/auth/verify-email. */
async function signUpThroughApi(tag: string): Promise<Person> {
  const email = `${tag}-${randomBytes(4).toString("hex")}@regress.test`;
  const name = `${tag[0]!.toUpperCase()}${tag.slice(1)} Regression`;
  const registered = await postJson("/api/auth/register", { email, name, password: PASSWORD });
  expect(registered.status).toBe(202);
  const { registration } = (await registered.json()) as { registration: string };
  const code = extractCode(await sink.waitForMail((m) => isTo(m, email) && /code/i.test(m.subject ?? ""), 15_000));
  secrets.add(code);
  secrets.add(registration);
  const verified = await postJson("/api/auth/verify-email", { email, code, registration });
  expect(verified.status).toBe(200);
  const pair = (await verified.json()) as { access_token: string; refresh_token: string };
  return { email, name, ...remember(pair) };
}

/** A new session of `email` through the password grant. */
async function passwordGrant(email: string): Promise<{ userId: string; access: string; refresh: string }> {
  const res = await fetch(`${app.url}/api/auth/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", username: email, password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return remember((await res.json()) as { access_token: string; refresh_token: string });
}

function remember(pair: { access_token: string; refresh_token: string }) {
  secrets.add(pair.access_token);
  secrets.add(pair.refresh_token);
  const claims = JSON.parse(Buffer.from(pair.access_token.split(".")[1]!, "base64url").toString()) as { sub: string };
  return { userId: claims.sub, access: pair.access_token, refresh: pair.refresh_token };
}

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${app.url}${path}`, { headers, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Follow Next's `_rsc` cache-busting redirect (307 to the same path with ?_rsc=…) with the same headers. */
async function getRsc(path: string, headers: Record<string, string>) {
  let answer = await get(path, headers);
  for (let i = 0; i < 3 && answer.status === 307 && /[?&]_rsc(=|&|$)/.test(answer.headers.get("location") ?? ""); i++) {
    const next = new URL(answer.headers.get("location")!, app.url);
    answer = await get(next.pathname + next.search, headers);
  }
  return answer;
}

/** Where a redirect answer points, resolved against the app (data requests get x-nextjs-redirect instead of Location). */
function target(answer: { headers: Headers }): URL | null {
  const location = answer.headers.get("location") ?? answer.headers.get("x-nextjs-redirect");
  return location ? new URL(location, app.url) : null;
}

function expectSentToSignIn(answer: { status: number; headers: Headers }, label: string): void {
  expect({ label, redirect: answer.status >= 300 && answer.status < 400 }).toEqual({ label, redirect: true });
  const to = target(answer)!;
  expect({ label, origin: to.origin, path: to.pathname }).toEqual({ label, origin, path: "/sign-in" });
}

/** The person's data must not be in an answer: neither the email nor the name. */
function expectNothingOf(person: Person, text: string, label: string): void {
  expect({ label, email: text.includes(person.email), name: text.includes(person.name) }).toEqual({ label, email: false, name: false });
}

/** A token a forger could make without our key: `alg: none`. */
function algNoneToken(person: Person): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const claims = JSON.parse(Buffer.from(person.access.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
  return `${b64({ alg: "none", typ: "at+jwt" })}.${b64({ ...claims, role: "ADMIN", exp: now + 600, iat: now })}.`;
}

/** Five segments, like a compact JWE (RFC 7516). */
function jweToken(): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return [b64({ alg: "dir", enc: "A256GCM", typ: "at+jwt" }), "", randomBytes(12).toString("base64url"), randomBytes(48).toString("base64url"), randomBytes(16).toString("base64url")].join(".");
}

/** The id of the sign-in page's server action (from the form's hidden $ACTION fields). */
async function signInActionId(): Promise<string> {
  const html = (await get("/sign-in")).text;
  const id = /&quot;id&quot;:&quot;([0-9a-f]{20,})&quot;/.exec(html)?.[1];
  if (!id) throw new Error("no server action id on /sign-in");
  return id;
}

/** A POST with headers fetch() will not send (Host). */
function rawPost(path: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: app.port, path, method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sign in through the /sign-in page; answers the server action's response (its Set-Cookie headers). */
async function signInInBrowser(page: Page, email: string, next?: string): Promise<PwResponse> {
  await page.goto(`${app.url}/sign-in${next === undefined ? "" : `?next=${encodeURIComponent(next)}`}`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  return answered;
}

async function rememberCookies(context: BrowserContext): Promise<void> {
  for (const c of await context.cookies()) if (c.value) secrets.add(c.value);
}

function setCookies(headers: Array<{ name: string; value: string }>): string[] {
  return headers.filter((h) => h.name.toLowerCase() === "set-cookie").flatMap((h) => h.value.split("\n"));
}

let person: Person;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack({ LOG_LEVEL: "debug" }));
  origin = new URL(app.url).origin;
  person = await signUpThroughApi("victim");
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

describe("middleware is not the only guard (CVE-2025-29927)", () => {
  it("x-middleware-subrequest in any spelling still sends a visitor without a session to sign in", async () => {
    for (const page of PROTECTED_PAGES) {
      for (const variant of SUBREQUEST_VARIANTS) {
        const a = await get(page, { "x-middleware-subrequest": variant });
        expectSentToSignIn(a, `${page} with x-middleware-subrequest: ${variant}`);
      }
    }
  });

  it("x-middleware-subrequest does not let a USER into /admin", async () => {
    for (const variant of SUBREQUEST_VARIANTS) {
      const a = await get("/admin", { cookie: `${ACCESS_COOKIE}=${person.access}`, "x-middleware-subrequest": variant });
      expect({ variant, status: a.status, to: target(a)?.pathname }).toEqual({ variant, status: 303, to: "/dashboard" });
    }
  });

  it("locale and /_next/data paths of protected pages show nothing without a session", async () => {
    const buildId = (await import("node:fs")).readFileSync(".next/BUILD_ID", "utf8").trim();
    const paths = [
      "/dashboard?__nextLocale=en",
      "/dashboard?__nextDefaultLocale=en",
      "/account/profile?__nextLocale=fr",
      "/en/dashboard",
      `/_next/data/${buildId}/dashboard.json`,
      `/_next/data/${buildId}/en/dashboard.json`,
      "/_next/data/x/account/profile.json",
      "/dashboard.json",
      "/dashboard.rsc",
      "/%64ashboard",
      "/DASHBOARD",
      "/dashboard;x",
      "/account%2Fprofile",
    ];
    for (const path of paths) {
      const a = await get(path);
      const to = target(a);
      // A data request's redirect comes as x-nextjs-redirect, to sign-in's own data route.
      const toSignIn = to !== null && to.origin === origin && /\/sign-in(\.json)?$/.test(to.pathname);
      expect({ path, ok: a.status === 404 || (a.status >= 300 && a.status < 400 && toSignIn) }).toEqual({ path, ok: true });
    }
  });

  it("RSC and prefetch requests of protected pages answer no content without a session", async () => {
    const variants: Array<[string, Record<string, string>]> = [
      ["/dashboard", { RSC: "1" }],
      ["/dashboard", { RSC: "1", "Next-Router-Prefetch": "1" }],
      ["/dashboard?_rsc=abc", {}],
      ["/dashboard?_rsc=abc", { RSC: "1" }],
      ["/account/profile", { RSC: "1", "Next-Router-State-Tree": encodeURIComponent(JSON.stringify(["", { children: ["__PAGE__", {}] }])) }],
      ["/admin", { RSC: "1", "Next-Router-Prefetch": "1", "Next-Router-Segment-Prefetch": "/_tree" }],
    ];
    for (const [path, headers] of variants) {
      const a = await getRsc(path, headers);
      const label = `${path} ${JSON.stringify(headers)}`;
      expect({ label, refused: [401, 403].includes(a.status) || (a.status >= 300 && a.status < 400 && target(a)?.pathname === "/sign-in") }).toEqual({ label, refused: true });
      expectNothingOf(person, a.text, label);
    }
  });

  it("a request that slips past the middleware (revoked session, valid JWT) meets the session check: no user data in HTML or RSC", async () => {
    const live = await passwordGrant(person.email);
    // Control: the detector does see the person's data while the session is live.
    expect((await getRsc("/dashboard", { cookie: `${ACCESS_COOKIE}=${live.access}`, RSC: "1" })).text).toContain(person.email);
    // Revoke server-side; the JWT itself stays valid for 15 minutes, so the edge middleware lets it through.
    expect((await postJson("/api/auth/logout", {}, { authorization: `Bearer ${live.access}` })).status).toBe(200);
    const cookie = `${ACCESS_COOKIE}=${live.access}`;
    for (const path of ["/dashboard", "/account/profile", "/account/sessions", "/account/activity"]) {
      for (const headers of [{ cookie }, { cookie, RSC: "1" } as Record<string, string>, { cookie, RSC: "1", "Next-Router-Prefetch": "1" }, { cookie, "x-middleware-subrequest": SUBREQUEST_VARIANTS[1]! }]) {
        const a = await getRsc(path, headers);
        const label = `${path} ${Object.keys(headers).join("+")}`;
        expect({ label, status: a.status < 500 }).toEqual({ label, status: true });
        expectNothingOf(person, a.text, label);
      }
    }
  });
});

describe("redirect targets stay on the app (open redirects)", () => {
  /** A path a browser resolves to this origin: not protocol-relative, not another scheme. */
  const staysHere = (path: string) => new URL(path, app.url).origin === origin && !/^[/\\]{2}/.test(path);

  it("the refresh page's hidden next field is always a same-origin path", async () => {
    const results = [];
    for (const payload of REDIRECT_PAYLOADS) {
      const a = await get(`/api/auth/refresh?next=${encodeURIComponent(payload)}`);
      const raw = /name="next" value="([^"]*)"/.exec(a.text)?.[1] ?? "";
      const next = raw.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
      results.push({ payload, status: a.status, next, staysHere: staysHere(next) });
    }
    expect(results).toEqual(results.map((r) => ({ ...r, status: 200, staysHere: true })));
  });

  it("the refresh POST without a session redirects to sign-in on the app, with a safe next", async () => {
    const results = [];
    for (const payload of REDIRECT_PAYLOADS) {
      const res = await fetch(`${app.url}/api/auth/refresh`, {
        method: "POST",
        redirect: "manual",
        headers: { origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ next: payload }),
      });
      const to = target(res);
      const next = to?.searchParams.get("next") ?? "";
      results.push({ payload, status: res.status, to: to ? `${to.origin}${to.pathname}` : null, next, nextStaysHere: staysHere(next) });
    }
    expect(results).toEqual(results.map((r) => ({ ...r, status: 303, to: `${origin}/sign-in`, nextStaysHere: true })));
  });

  it("the refresh POST with a live refresh cookie never redirects off the app", async () => {
    const results = [];
    for (const payload of REDIRECT_PAYLOADS) {
      const { refresh } = await passwordGrant(person.email);
      const res = await fetch(`${app.url}/api/auth/refresh`, {
        method: "POST",
        redirect: "manual",
        headers: { origin, cookie: `${REFRESH_COOKIE}=${refresh}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ next: payload }),
      });
      for (const c of res.headers.getSetCookie()) secrets.add(/^[^=]+=([^;]*)/.exec(c)?.[1] ?? "");
      const refreshed = res.headers.getSetCookie().some((c) => c.startsWith(`${REFRESH_COOKIE}=`) && !c.startsWith(`${REFRESH_COOKIE}=;`));
      results.push({ payload, status: res.status, refreshed, location: res.headers.get("location") });
    }
    expect(results).toEqual(results.map((r) => ({ ...r, status: 303, refreshed: true, location: `${origin}/dashboard` })));
  });

  it("signing in with a hostile next lands on the dashboard of the app, and the browser never asks another host", async () => {
    const context = await browser.newContext();
    const offsite: string[] = [];
    await context.route(
      (url) => url.origin !== origin,
      async (route) => {
        offsite.push(route.request().url());
        await route.abort();
      },
    );
    const page = await context.newPage();
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame() && !frame.url().startsWith(origin) && frame.url() !== "about:blank") offsite.push(frame.url());
    });
    // The action's answer is read on its way to the page (the page navigates before its body could be asked for).
    let actionBody = "";
    await page.route(
      (url) => url.origin === origin && url.pathname === "/sign-in",
      async (route) => {
        if (route.request().method() !== "POST") return route.fallback();
        const response = await route.fetch();
        actionBody = await response.text();
        await route.fulfill({ response, body: actionBody });
      },
    );
    const results = [];
    for (const payload of REDIRECT_PAYLOADS) {
      actionBody = "";
      const answer = await signInInBrowser(page, person.email, payload);
      // The sign-in action answers the target in its payload ({ redirectTo }) and the form navigates there; a
      // redirect() in an action would answer it in x-action-redirect ("<path>;<push|replace>").
      const inBody = /"redirectTo":"([^"]*)"/.exec(actionBody)?.[1];
      const redirect = ((await answer.headerValue("x-action-redirect")) ?? (await answer.headerValue("location")) ?? inBody ?? "").split(";")[0];
      await page.waitForURL((url) => url.pathname !== "/sign-in", { timeout: 10_000 }).catch(() => {});
      await rememberCookies(context);
      await context.clearCookies();
      const at = page.url().startsWith(`${origin}/`) ? new URL(page.url()).pathname : page.url();
      results.push({ payload, redirect, at });
    }
    expect(results).toEqual(results.map((r) => ({ ...r, redirect: "/dashboard", at: "/dashboard" })));
    expect(offsite).toEqual([]);
    await context.close();
  });
});

describe("forged tokens", () => {
  it("a JWE-shaped or alg:none token in the access cookie sends the browser to sign in (not to refresh)", async () => {
    for (const [kind, token] of [["jwe", jweToken()], ["alg none", algNoneToken(person)]] as const) {
      const a = await get("/dashboard", { cookie: `${ACCESS_COOKIE}=${token}` });
      expectSentToSignIn(a, kind);
      expectNothingOf(person, a.text, kind);
    }
  });

  it("a JWE-shaped or alg:none token as a Bearer token is 401 invalid_token", async () => {
    for (const [kind, token] of [["jwe", jweToken()], ["alg none", algNoneToken(person)]] as const) {
      const a = await get("/api/me", { authorization: `Bearer ${token}` });
      expect({ kind, status: a.status, challenge: a.headers.get("www-authenticate") }).toEqual({
        kind,
        status: 401,
        challenge: 'Bearer realm="gatehouse", error="invalid_token"',
      });
      expect(JSON.parse(a.text)).toEqual({ error: "invalid-token", message: expect.any(String) });
      expectNothingOf(person, a.text, kind);
    }
  });
});

describe("server actions from other origins", () => {
  it("Origin null, another origin or none on a server-action POST is a 403 JSON answer, never a 500", async () => {
    const action = await signInActionId();
    const body = JSON.stringify([{ status: "idle" }, "$K1"]);
    for (const page of ["/sign-in", "/dashboard", "/account/profile"]) {
      for (const o of ["null", EVIL, "http://localhost.evil.test", undefined]) {
        const res = await fetch(`${app.url}${page}`, {
          method: "POST",
          redirect: "manual",
          headers: { "next-action": action, "content-type": "text/plain;charset=UTF-8", ...(o === undefined ? {} : { origin: o }) },
          body,
        });
        const label = `${page} from ${o ?? "no origin"}`;
        expect({ label, status: res.status, type: res.headers.get("content-type") }).toEqual({ label, status: 403, type: "application/json" });
        expect(await res.json()).toEqual({ error: "csrf-rejected", message: expect.any(String) });
      }
    }
  });

  it("a server-action POST to a path the middleware otherwise skips (/robots.txt, /favicon.ico) from another origin is a 403, never a 500", async () => {
    const action = await signInActionId();
    for (const path of ["/robots.txt", "/favicon.ico", "/_next/static/x.js"]) {
      const res = await fetch(`${app.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "next-action": action, origin: EVIL, "content-type": "text/plain;charset=UTF-8" },
        body: "[]",
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect(await res.json()).toEqual({ error: "csrf-rejected", message: expect.any(String) });
    }
  });

  it("a cross-site server-action POST refused by the middleware is stored as a malicious_csrf event", async () => {
    const action = await signInActionId();
    const requestId = `csrf-${randomBytes(6).toString("hex")}`;
    const res = await fetch(`${app.url}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "next-action": action, origin: EVIL, "user-agent": requestId, "content-type": "text/plain;charset=UTF-8" },
      body: "[]",
    });
    expect(res.status).toBe(403);
    const db = new Client({ connectionString: app.databaseUrl });
    await db.connect();
    // The audit write may trail the answer a little.
    let rows: Array<{ type: string; ip: string | null }> = [];
    for (let i = 0; i < 20 && rows.length === 0; i++) {
      rows = (await db.query<{ type: string; ip: string | null }>(`SELECT type, ip FROM auth_events WHERE user_agent = $1`, [requestId])).rows;
      if (rows.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    await db.end();
    expect(rows).toEqual([{ type: "malicious_csrf", ip: expect.any(String) }]);
  });

  it("a server-action POST whose Host or X-Forwarded-Host is not the app's is refused, never a 500", async () => {
    const action = await signInActionId();
    const body = JSON.stringify([{ status: "idle" }, "$K1"]);
    // A client can send our Origin with any Host: Next's own check then throws "Invalid Server Actions request" (500).
    const viaForwardedHost = await fetch(`${app.url}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "next-action": action, origin, "x-forwarded-host": "evil.test", "content-type": "text/plain;charset=UTF-8" },
      body,
    });
    const viaHost = await rawPost("/sign-in", { "next-action": action, origin, host: "evil.test", "content-type": "text/plain;charset=UTF-8" }, body);
    expect({ forwardedHost: viaForwardedHost.status < 500, host: viaHost.status < 500 }).toEqual({ forwardedHost: true, host: true });
  });
});

describe("password reset links", () => {
  it("are built from APP_URL, whatever Host and X-Forwarded-Host say (API)", async () => {
    const before = sink.mails.length;
    const a = await rawPost(
      "/api/auth/forgot-password",
      { host: "evil.test", "x-forwarded-host": "evil.test", "x-forwarded-proto": "https", "content-type": "application/json" },
      JSON.stringify({ email: person.email }),
    );
    expect(a.status).toBe(202);
    const mail = await sink.waitForMail((m) => sink.mails.indexOf(m) >= before && isTo(m, person.email) && /reset/i.test(m.subject ?? ""), 15_000);
    const link = extractLink(mail, "/reset-password");
    secrets.add(new URL(link).searchParams.get("token") ?? "");
    expect(link.startsWith(`${app.url}/reset-password?token=`)).toBe(true);
    expect(mail.text).not.toContain("evil.test");
    expect(mail.html || "").not.toContain("evil.test");
  });

  it("open on a page that sends Referrer-Policy: same-origin, and opening them (a mail scanner) does not spend them", async () => {
    const reader = await signUpThroughApi("reader");
    const before = sink.mails.length;
    expect((await postJson("/api/auth/forgot-password", { email: reader.email })).status).toBe(202);
    const mail = await sink.waitForMail((m) => sink.mails.indexOf(m) >= before && isTo(m, reader.email) && /reset/i.test(m.subject ?? ""), 15_000);
    const link = new URL(extractLink(mail, "/reset-password"));
    const token = link.searchParams.get("token") ?? "";
    secrets.add(token);
    for (let i = 0; i < 3; i++) {
      const opened = await get(link.pathname + link.search);
      expect(opened.status).toBe(200);
      expect(opened.headers.get("referrer-policy")).toBe("same-origin");
      expect(opened.text).toContain('<meta name="referrer" content="same-origin"/>');
      expect(opened.text).toContain("Choose a new password");
    }
    const reset = await postJson("/api/auth/reset-password", { token, password: "amber quiet lighthouse 7 ferns" });
    expect(reset.status).toBe(200);
    secrets.add("amber quiet lighthouse 7 ferns");
    expect((await get("/api/me", { authorization: `Bearer ${reader.access}` })).status).toBe(401); // every session ended
  });
});

describe("security headers of the production server", () => {
  function nonceOf(csp: string | null): string | undefined {
    return /'nonce-([^']+)'/.exec(csp ?? "")?.[1];
  }

  const GOOD_HEADERS = { csp: true, nosniff: "nosniff", referrerPolicy: true, poweredBy: null, hsts: true };

  function headerFacts(headers: Headers, label: string) {
    const csp = headers.get("content-security-policy") ?? "";
    return {
      label,
      csp: ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"].every((d) => csp.includes(d)) && Boolean(nonceOf(csp)),
      nosniff: headers.get("x-content-type-options"),
      referrerPolicy: Boolean(headers.get("referrer-policy")),
      poweredBy: headers.get("x-powered-by"),
      hsts: Number(/max-age=(\d+)/.exec(headers.get("strict-transport-security") ?? "")?.[1] ?? 0) >= 31_536_000,
    };
  }

  it("a page and an API answer carry CSP with a fresh nonce, nosniff, a Referrer-Policy and HSTS, and no X-Powered-By", async () => {
    const pages = [await get("/sign-in"), await get("/sign-in")];
    const apis = [await get("/api/health"), await get("/api/health"), await get("/api/me")];
    const results = [...pages, ...apis].map((a, i) => headerFacts(a.headers, `answer ${i}`));
    expect(results).toEqual(results.map((r) => ({ ...r, ...GOOD_HEADERS })));
    const nonces = [...pages, ...apis].map((a) => nonceOf(a.headers.get("content-security-policy")));
    expect(new Set(nonces).size).toBe(nonces.length);
    // The page's scripts carry this response's nonce.
    expect(pages[0]!.text).toContain(`nonce="${nonces[0]}"`);
  });

  it("every other kind of answer carries them too: the middleware's redirects and 403s, 404s, the refresh page", async () => {
    const action = await signInActionId();
    const answers: Array<[string, { headers: Headers }]> = [
      ["middleware redirect to sign-in", await get("/dashboard")],
      ["middleware redirect of a forged token", await get("/dashboard", { cookie: `${ACCESS_COOKIE}=${jweToken()}` })],
      ["refresh page", await get("/api/auth/refresh?next=/dashboard")],
      ["page 404", await get("/no-such-page")],
      ["API 404", await get("/api/no-such-route")],
      ["API 405", await get("/api/auth/token")],
      [
        "middleware 403",
        await fetch(`${app.url}/sign-in`, { method: "POST", redirect: "manual", headers: { "next-action": action, origin: EVIL }, body: "[]" }),
      ],
    ];
    const results = answers.map(([label, a]) => headerFacts(a.headers, label));
    expect(results).toEqual(results.map((r) => ({ ...r, ...GOOD_HEADERS })));
  });

  it("the dashboard (signed in) and the token endpoint are Cache-Control: no-store", async () => {
    const dashboard = await get("/dashboard", { cookie: `${ACCESS_COOKIE}=${person.access}` });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get("cache-control")).toMatch(/no-store/);
    const granted = await fetch(`${app.url}/api/auth/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "password", username: person.email, password: PASSWORD }),
    });
    remember((await granted.json()) as { access_token: string; refresh_token: string });
    expect(granted.status).toBe(200);
    expect(granted.headers.get("cache-control")).toBe("no-store");
    const refused = await fetch(`${app.url}/api/auth/token`, { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "nope" }) });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("cache-control")).toBe("no-store");
  });
});

describe("session cookies of the production server", () => {
  it("sign-in sets __Host-gh_at (HttpOnly, Secure, SameSite=Lax, Path=/) and __Secure-gh_rt (Path=/api/auth/refresh)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answer = await signInInBrowser(page, person.email);
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await rememberCookies(context);

    const cookies = await context.cookies();
    const access = cookies.find((c) => c.name === ACCESS_COOKIE);
    const refresh = cookies.find((c) => c.name === REFRESH_COOKIE);
    expect(cookies.map((c) => c.name).sort()).toEqual([ACCESS_COOKIE, REFRESH_COOKIE].sort());
    expect(access).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/", domain: new URL(app.url).hostname });
    expect(refresh).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/api/auth/refresh" });

    const raw = setCookies(await answer.headersArray());
    const accessHeader = raw.find((c) => c.startsWith(`${ACCESS_COOKIE}=`)) ?? "";
    const refreshHeader = raw.find((c) => c.startsWith(`${REFRESH_COOKIE}=`)) ?? "";
    for (const flag of [/;\s*Path=\/(;|$)/i, /;\s*HttpOnly/i, /;\s*Secure/i, /;\s*SameSite=Lax/i]) expect(accessHeader).toMatch(flag);
    expect(accessHeader).not.toMatch(/;\s*Domain=/i);
    for (const flag of [/;\s*Path=\/api\/auth\/refresh(;|$)/i, /;\s*HttpOnly/i, /;\s*Secure/i, /;\s*SameSite=Lax/i]) expect(refreshHeader).toMatch(flag);
    await context.close();
  });

  it("sign-out clears both cookies with Max-Age=0 and ends the session on the server", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, person.email);
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await rememberCookies(context);
    const access = (await context.cookies()).find((c) => c.name === ACCESS_COOKIE)!.value;

    const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/dashboard");
    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    const raw = setCookies(await (await answered).headersArray());
    await page.waitForURL((url) => url.pathname === "/sign-in");

    const cleared = (name: string, path: string) => raw.some((c) => c.startsWith(`${name}=;`) && /;\s*Max-Age=0/i.test(c) && new RegExp(`;\\s*Path=${path}(;|$)`, "i").test(c));
    expect({ access: cleared(ACCESS_COOKIE, "/"), refresh: cleared(REFRESH_COOKIE, "/api/auth/refresh") }).toEqual({ access: true, refresh: true });
    expect(await context.cookies()).toEqual([]);
    expect((await get("/api/me", { authorization: `Bearer ${access}` })).status).toBe(401);
    await context.close();
  });

  it("sign-out through the API with the cookie clears both cookies with Max-Age=0", async () => {
    const s = await passwordGrant(person.email);
    const res = await postJson("/api/auth/logout", {}, { origin, cookie: `${ACCESS_COOKIE}=${s.access}; ${REFRESH_COOKIE}=${s.refresh}` });
    expect(res.status).toBe(200);
    const raw = res.headers.getSetCookie();
    const access = raw.find((c) => c.startsWith(`${ACCESS_COOKIE}=;`)) ?? "";
    const refresh = raw.find((c) => c.startsWith(`${REFRESH_COOKIE}=;`)) ?? "";
    expect(access).toMatch(/;\s*Max-Age=0/i);
    expect(access).toMatch(/;\s*Path=\/(;|$)/i);
    expect(refresh).toMatch(/;\s*Max-Age=0/i);
    expect(refresh).toMatch(/;\s*Path=\/api\/auth\/refresh(;|$)/i);
  });
});

describe("passwords at rest and client addresses", () => {
  it("stores bcrypt hashes of cost 12 or more in production", async () => {
    const db = new Client({ connectionString: app.databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE email = $1`, [person.email]);
    await db.end();
    const cost = Number(/^\$2[aby]\$(\d{2})\$/.exec(rows[0]?.password_hash ?? "")?.[1]);
    expect(cost).toBeGreaterThanOrEqual(12);
  });

  it("takes the client address from the socket: a spoofed X-Forwarded-For does not escape the per-IP limit", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const res = await postJson("/api/auth/forgot-password", { email: `nobody-${i}@regress.test` }, { "x-forwarded-for": `203.0.113.${i}` });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited!.json()).toEqual({ error: "rate-limited", message: expect.any(String) });
    expect(statuses.length).toBeLessThanOrEqual(31);
  });
});

describe("logs", () => {
  it("hold none of the passwords, codes, tokens or cookie values used above", async () => {
    for (const mail of sink.mails) {
      for (const code of mail.text?.match(/\b\d{6}\b/g) ?? []) secrets.add(code);
      for (const m of mail.text?.matchAll(/token=([A-Za-z0-9_-]{43})/g) ?? []) secrets.add(m[1]!);
    }
    const logs = app.logs();
    expect(logs).toMatch(/auth event/); // LOG_LEVEL=debug: the audit mirror is in there, so the check reads real log lines
    const found = [...secrets].filter((s) => {
      if (!s) return false;
      // A 6-digit code only counts on its own, not inside a longer run of digits or hex (request ids).
      if (/^\d{6}$/.test(s)) return new RegExp(`(?<![0-9A-Za-z])${s}(?![0-9A-Za-z])`).test(logs);
      return logs.includes(s);
    });
    expect(found.map((s) => `${s.slice(0, 12)}… (${s.length} chars)`)).toEqual([]);
  });
});
