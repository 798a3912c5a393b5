/**
 * @jest-environment node
 */
import { SignJWT } from "jose";
import { unstable_doesMiddlewareMatch } from "next/experimental/testing/server";
import { NextRequest } from "next/server";
import { ACCESS_COOKIE, CSRF_REFUSED_HEADER, CSRF_REFUSED_PATH, REFRESH_COOKIE } from "@/lib/auth/constants";
import { signAccessToken } from "@/lib/auth/jwt";
import { config, middleware } from "@/middleware";

const APP = "http://localhost:3000";
const USER_ID = "0197a1b2-0000-7000-8000-000000000001";
const SESSION_ID = "0197a1b2-0000-7000-8000-0000000000aa";

const userToken = () => signAccessToken({ userId: USER_ID, sessionId: SESSION_ID, role: "USER" });
const adminToken = () => signAccessToken({ userId: USER_ID, sessionId: SESSION_ID, role: "ADMIN" });

/** Signed with our secret, iss/aud/typ right, but expired well beyond the 30 s leeway. */
async function expiredToken(secret = process.env.JWT_SECRET!): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: SESSION_ID, role: "USER" })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setSubject(USER_ID)
    .setIssuer(APP)
    .setAudience("gatehouse")
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 600)
    .sign(new TextEncoder().encode(secret));
}

function request(
  path: string,
  opts: { method?: string; token?: string; refresh?: string; headers?: Record<string, string> } = {},
): NextRequest {
  const headers = new Headers(opts.headers);
  const cookies = [
    opts.token !== undefined ? `${ACCESS_COOKIE}=${opts.token}` : null,
    opts.refresh !== undefined ? `${REFRESH_COOKIE}=${opts.refresh}` : null,
  ].filter(Boolean);
  if (cookies.length) headers.set("cookie", cookies.join("; "));
  return new NextRequest(new URL(path, APP), { method: opts.method ?? "GET", headers });
}

function passedThrough(res: Response): boolean {
  return res.headers.get("x-middleware-next") === "1" && res.headers.get("location") === null;
}

/** The request headers the app will see after the middleware (NextResponse.next({ request: { headers } })). */
function forwardedHeaders(res: Response): Record<string, string> {
  const names = (res.headers.get("x-middleware-override-headers") ?? "").split(",").filter(Boolean);
  return Object.fromEntries(names.map((n) => [n, res.headers.get(`x-middleware-request-${n}`) ?? ""]));
}

/**
 * A refused write is handed (rewritten) to the Node route that audits it and
 * answers 403 (its own test: integration/csrf-refused); the app never sees the
 * original target, and Next never sees it as a server action.
 */
async function expectCsrfRejected(res: Response): Promise<void> {
  expect(res.headers.get("x-middleware-next")).toBeNull();
  expect(new URL(res.headers.get("x-middleware-rewrite")!).pathname).toBe(CSRF_REFUSED_PATH);
  expect(res.headers.get("cache-control")).toBe("no-store");
  const forwarded = forwardedHeaders(res);
  expect(forwarded[CSRF_REFUSED_HEADER]).toMatch(/^\//);
  expect(forwarded).not.toHaveProperty("next-action");
}

describe("middleware: protected pages", () => {
  it("lets a valid access token through to /dashboard, uncached", async () => {
    const res = await middleware(request("/dashboard", { token: await userToken() }));
    expect(passedThrough(res)).toBe(true);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends an expired but genuine token to the refresh route with next", async () => {
    const res = await middleware(request("/dashboard?tab=2", { token: await expiredToken() }));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin).toBe(APP);
    expect(location.pathname).toBe("/api/auth/refresh");
    expect(location.searchParams.get("next")).toBe("/dashboard?tab=2");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("lets a same-origin server action with an expired genuine token through (the action refreshes or signs out itself)", async () => {
    const res = await middleware(
      request("/dashboard", { method: "POST", token: await expiredToken(), headers: { origin: APP, "next-action": "abc123" } }),
    );
    expect(passedThrough(res)).toBe(true);
  });

  it("still sends a server action without any genuine token to sign-in", async () => {
    const res = await middleware(request("/dashboard", { method: "POST", headers: { origin: APP, "next-action": "abc123" } }));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toMatch(/\/sign-in\?next=/);
  });

  it("sends an expired token with a forged signature to sign-in, not to refresh", async () => {
    const res = await middleware(request("/dashboard", { token: await expiredToken("x".repeat(10) + "forged-secret-0123456789abcdef") }));
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get("location")!).pathname).toBe("/sign-in");
  });

  it("sends a request without a token to /sign-in?next=/dashboard", async () => {
    const res = await middleware(request("/dashboard"));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.origin).toBe(APP);
    expect(location.pathname).toBe("/sign-in");
    expect(location.searchParams.get("next")).toBe("/dashboard");
    expect([...location.searchParams.keys()]).toEqual(["next"]);
  });

  it.each(["/account", "/account/sessions", "/admin", "/admin/users", "/dashboard/"])("guards %s", async (path) => {
    const res = await middleware(request(path, { token: "not-a-jwt" }));
    expect(res.status).toBe(303);
    // NextURL keeps a trailing slash of the original request ("/sign-in/"); Next normalises it.
    expect(new URL(res.headers.get("location")!).pathname).toMatch(/^\/sign-in\/?$/);
  });

  it("sends a USER away from /admin to /dashboard", async () => {
    for (const path of ["/admin", "/admin/users"]) {
      const res = await middleware(request(path, { token: await userToken() }));
      expect(res.status).toBe(303);
      const location = new URL(res.headers.get("location")!);
      expect(location.origin).toBe(APP);
      expect(location.pathname).toBe("/dashboard");
    }
  });

  it("lets an ADMIN into /admin", async () => {
    const res = await middleware(request("/admin/users", { token: await adminToken() }));
    expect(passedThrough(res)).toBe(true);
  });

  it("does not let x-middleware-subrequest get anyone past the guard, and drops it before the app", async () => {
    const spoof = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" };
    const anonymous = await middleware(request("/dashboard", { headers: spoof }));
    expect(anonymous.status).toBe(303);
    expect(new URL(anonymous.headers.get("location")!).pathname).toBe("/sign-in");

    const user = await middleware(request("/admin", { token: await userToken(), headers: spoof }));
    expect(user.status).toBe(303);
    expect(new URL(user.headers.get("location")!).pathname).toBe("/dashboard");

    const admin = await middleware(request("/admin", { token: await adminToken(), headers: spoof }));
    expect(passedThrough(admin)).toBe(true);
    expect(forwardedHeaders(admin)).not.toHaveProperty("x-middleware-subrequest");
  });

  it("drops client-sent internal x-gatehouse-* headers and sets its own request id", async () => {
    const res = await middleware(
      request("/", { headers: { "x-gatehouse-user-id": "admin", "x-request-id": "spoofed" } }),
    );
    const forwarded = forwardedHeaders(res);
    expect(forwarded).not.toHaveProperty("x-gatehouse-user-id");
    expect(forwarded["x-request-id"]).toBe(res.headers.get("x-request-id"));
    expect(forwarded["x-request-id"]).not.toBe("spoofed");
  });

  it("leaves public pages alone", async () => {
    const res = await middleware(request("/sign-in"));
    expect(passedThrough(res)).toBe(true);
  });
});

describe("middleware: CSRF (Origin / Sec-Fetch-Site)", () => {
  it("answers a cross-site POST to a page (server action) with 403 JSON csrf-rejected", async () => {
    const res = await middleware(
      request("/sign-in", { method: "POST", headers: { origin: "https://evil.test", "next-action": "abc" } }),
    );
    await expectCsrfRejected(res);
  });

  it("rejects a cross-site POST to a protected page even with a valid token", async () => {
    const res = await middleware(
      request("/account", { method: "POST", token: await userToken(), headers: { origin: "https://evil.test" } }),
    );
    await expectCsrfRejected(res);
  });

  it("rejects Origin: null, whatever Sec-Fetch-Site claims", async () => {
    await expectCsrfRejected(await middleware(request("/sign-in", { method: "POST", headers: { origin: "null" } })));
    await expectCsrfRejected(
      await middleware(request("/sign-in", { method: "POST", headers: { origin: "null", "sec-fetch-site": "same-origin" } })),
    );
  });

  it("rejects a page POST with neither Origin nor Sec-Fetch-Site", async () => {
    await expectCsrfRejected(await middleware(request("/sign-in", { method: "POST" })));
  });

  it("rejects a POST without Origin whose Sec-Fetch-Site is cross-site or same-site", async () => {
    for (const site of ["cross-site", "same-site", "none"]) {
      await expectCsrfRejected(
        await middleware(request("/sign-in", { method: "POST", headers: { "sec-fetch-site": site } })),
      );
    }
  });

  it("rejects a look-alike origin", async () => {
    for (const origin of ["http://localhost:3000.evil.test", "https://localhost:3000", "http://localhost:3001", "http://localhost"]) {
      await expectCsrfRejected(await middleware(request("/sign-in", { method: "POST", headers: { origin } })));
    }
  });

  it("lets a POST from our own origin through", async () => {
    const res = await middleware(request("/sign-in", { method: "POST", headers: { origin: APP } }));
    expect(passedThrough(res)).toBe(true);
  });

  it("lets a POST without Origin but with Sec-Fetch-Site same-origin through", async () => {
    const res = await middleware(request("/sign-in", { method: "POST", headers: { "sec-fetch-site": "same-origin" } }));
    expect(passedThrough(res)).toBe(true);
  });

  it("in production, a forged Host header does not make an evil Origin same-origin", async () => {
    const saved = process.env.NODE_ENV;
    Object.assign(process.env, { NODE_ENV: "production" });
    try {
      const res = await middleware(
        request("/sign-in", { method: "POST", headers: { origin: "http://evil.test", host: "evil.test" } }),
      );
      await expectCsrfRejected(res);
    } finally {
      Object.assign(process.env, { NODE_ENV: saved });
    }
  });

  it.each(["PUT", "PATCH", "DELETE"])("checks %s like POST", async (method) => {
    await expectCsrfRejected(await middleware(request("/account", { method, headers: { origin: "https://evil.test" } })));
  });

  it("answers a cross-site write with a method a browser cannot send cross-site with a plain 403, unaudited", async () => {
    const res = await middleware(request("/account", { method: "PROPFIND", headers: { origin: "https://evil.test" } }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("csrf-rejected");
  });

  it("drops a client-sent copy of the refusal marker, so no request can pose as a refused one", async () => {
    const res = await middleware(request("/sign-in", { headers: { [CSRF_REFUSED_HEADER]: "/forged" } }));
    expect(passedThrough(res)).toBe(true);
    expect(forwardedHeaders(res)).not.toHaveProperty(CSRF_REFUSED_HEADER);
  });

  it("answers a path with a malformed %-escape with 400 in the API's shape, not Next's 500", async () => {
    const api = await middleware(request("/api/me/sessions/%zz", { token: await userToken() }));
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: string }).error).toBe("invalid-request");
    const page = await middleware(request("/account/%E0%A4%A"));
    expect(page.status).toBe(400);
  });

  it("does not check GET (which never changes state)", async () => {
    const res = await middleware(request("/sign-in", { headers: { origin: "https://evil.test" } }));
    expect(passedThrough(res)).toBe(true);
  });

  it("lets an API client POST to /api/... without our cookies and without Origin", async () => {
    const res = await middleware(request("/api/auth/token", { method: "POST" }));
    expect(passedThrough(res)).toBe(true);
  });

  it("rejects a POST to /api/... carrying our access cookie from an evil Origin", async () => {
    const res = await middleware(
      request("/api/auth/sign-out", { method: "POST", token: await userToken(), headers: { origin: "https://evil.test" } }),
    );
    await expectCsrfRejected(res);
  });

  it("rejects a POST to the refresh route carrying our refresh cookie from an evil Origin, or with no Origin", async () => {
    await expectCsrfRejected(
      await middleware(request("/api/auth/refresh", { method: "POST", refresh: "opaque", headers: { origin: "https://evil.test" } })),
    );
    await expectCsrfRejected(await middleware(request("/api/auth/refresh", { method: "POST", refresh: "opaque" })));
  });
});

describe("middleware: Bearer headers, skipped paths, redirect origin", () => {
  it("a Bearer header does not switch off the Origin check for a page POST (server action) carrying our cookie", async () => {
    for (const origin of [undefined, "https://evil.test"]) {
      const res = await middleware(
        request("/account/profile", {
          method: "POST",
          token: await userToken(),
          headers: { authorization: "Bearer junk", "next-action": "abc123", ...(origin ? { origin } : {}) },
        }),
      );
      await expectCsrfRejected(res);
    }
    await expectCsrfRejected(await middleware(request("/sign-in", { method: "POST", headers: { authorization: "Bearer junk" } })));
  });

  it("a Bearer header still exempts /api/* from the browser Origin check (API clients send no Origin)", async () => {
    const res = await middleware(request("/api/me", { method: "POST", token: await userToken(), headers: { authorization: "Bearer abc" } }));
    expect(passedThrough(res)).toBe(true);
  });

  it("runs for a Next-Action POST to a path it otherwise skips (/robots.txt, /favicon.ico, /_next/static/…) and refuses a foreign Origin with 403", async () => {
    for (const path of ["/robots.txt", "/favicon.ico", "/_next/static/chunks/x.js", "/_next/image"]) {
      expect({ path, get: unstable_doesMiddlewareMatch({ config, url: path }) }).toEqual({ path, get: false });
      expect({ path, action: unstable_doesMiddlewareMatch({ config, url: path, headers: { "next-action": "abc123" } }) }).toEqual({
        path,
        action: true,
      });
      await expectCsrfRejected(
        await middleware(request(path, { method: "POST", headers: { "next-action": "abc123", origin: "https://evil.test" } })),
      );
    }
  });

  it("lets the discovery documents (/.well-known/oauth-authorization-server, jwks.json) through untouched, with or without cookies", async () => {
    for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/jwks.json"]) {
      expect(unstable_doesMiddlewareMatch({ config, url: path })).toBe(true);
      for (const res of [await middleware(request(path)), await middleware(request(path, { token: "junk", refresh: "junk" }))]) {
        expect(passedThrough(res)).toBe(true);
        expect(res.headers.get("cache-control")).toBeNull(); // the route's own caching stands
      }
    }
  });

  it("builds its redirects from APP_URL, not from the host the request reached (next start -H 127.0.0.1)", async () => {
    const saved = process.env.APP_URL;
    process.env.APP_URL = "https://auth.example.test";
    try {
      const toSignIn = await middleware(request("http://127.0.0.1:3000/dashboard?tab=2"));
      expect(toSignIn.status).toBe(303);
      const signIn = new URL(toSignIn.headers.get("location")!);
      expect(signIn.origin).toBe("https://auth.example.test");
      expect(signIn.pathname).toBe("/sign-in");
      expect(signIn.searchParams.get("next")).toBe("/dashboard?tab=2");

      const toRefresh = await middleware(request("http://localhost:3000/account", { token: await expiredToken() }));
      expect(new URL(toRefresh.headers.get("location")!).origin).toBe("https://auth.example.test");

      const away = await middleware(request("http://localhost:3000/admin", { token: await userToken() }));
      expect(away.headers.get("location")).toBe("https://auth.example.test/dashboard");
    } finally {
      process.env.APP_URL = saved;
    }
  });
});
