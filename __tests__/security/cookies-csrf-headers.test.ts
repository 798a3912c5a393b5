/**
 * SECURITY.md "Cookies, CSRF, redirects, headers": the rules with no test
 * elsewhere. Cookie flags, headers and the middleware's CSRF answers of the
 * production build are proven in e2e/regressions.e2e.test.ts; the middleware's
 * own logic in __tests__/unit/middleware.test.ts.
 */
import fc from "fast-check";
import { NextRequest } from "next/server";
import { GET as REFRESH_PAGE, POST as REFRESH } from "@/app/api/auth/refresh/route";
import { POST as CSRF_REFUSED } from "@/app/internal/csrf-refused/route";
import {
  CLIENT_IP_HEADER,
  CSRF_REFUSED_HEADER,
  CSRF_REFUSED_PATH,
  REFRESH_COOKIE,
  REQUEST_ID_HEADER,
} from "@/lib/auth/constants";
import { safeRedirectPath } from "@/lib/auth/redirect";
import { REFUSAL_AUDIT_LIMIT } from "@/lib/data/audit";
import { sha256Hex } from "@/lib/auth/crypto";
import { createVerifiedUser, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

// The refresh route reads its cookie through next/headers, which needs Next's request scope: this stands in for it.
let mockRefreshCookie: string | undefined;
jest.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "gh_rt" && mockRefreshCookie ? { name, value: mockRefreshCookie } : undefined),
    has: (name: string) => name === "gh_rt" && mockRefreshCookie !== undefined,
    set: () => {},
  }),
  headers: async () => new Headers({ "user-agent": "jest-security" }),
}));

const h = setupAuthHarness();
afterEach(() => (mockRefreshCookie = undefined));

const APP = "http://localhost:3000";

describe("next / callbackUrl targets are same-origin paths only", () => {
  // Pieces attackers combine: slashes and backslashes (raw and encoded), dot segments, schemes, hosts, whitespace.
  const piece = fc.constantFrom(
    "/", "//", "\\", "%2F", "%2f", "%5C", "%5c", "%252F", ".", "..", "%2e", "%2E", "./", "../", "evil.test", "@evil.test", "http:", "https:",
    "javascript:", "//evil.test", ":", "?", "#", "\t", "\n", " ", "%09", "%20", "%00", "\u3000", "\uff0f", "a", "dashboard", "~", ";", "&",
  );
  const target = fc.oneof(
    fc.array(piece, { maxLength: 8 }).map((ps) => ps.join("")),
    fc.array(piece, { maxLength: 7 }).map((ps) => `/${ps.join("")}`),
    fc.string(),
  );

  it("for any target, the result is a path a browser resolves to the app's own origin", () => {
    const base = "https://app.example.test";
    fc.assert(
      fc.property(target, (t) => {
        const out = safeRedirectPath(t);
        // Protocol-relative output ("//host") would leave the app wherever it is used as a Location or a URL base.
        const origin = URL.canParse(out, base) ? new URL(out, base).origin : "not a URL";
        expect({ target: t, out, path: out.startsWith("/") && !/^[/\\]{2}/.test(out), origin }).toEqual({
          target: t,
          out,
          path: true,
          origin: base,
        });
      }),
      {
        numRuns: 20_000,
        examples: [["/.//evil.test"], ["/..//evil.test"], ["/./\\evil.test"], ["/%2e//evil.test"], ["/a/..//evil.test"]],
      },
    );
  });
});

describe("GET never changes state", () => {
  it("GET /api/auth/refresh only renders a form: the refresh token is not rotated, the session not touched", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("get"));
    const before = await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } });
    mockRefreshCookie = tokens.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await REFRESH_PAGE(new NextRequest(new URL("/api/auth/refresh?next=/dashboard", APP), { headers: { cookie: `${REFRESH_COOKIE}=${tokens.refreshToken}` } }));
      expect(res.status).toBe(200);
      expect(res.headers.get("set-cookie")).toBeNull();
      expect(await res.text()).toMatch(/<form id="refresh" method="post"/);
    }
    const row = await h.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256Hex(tokens.refreshToken) } });
    expect(row.rotatedAt).toBeNull();
    expect(await h.db.refreshToken.count({ where: { sessionId: tokens.sessionId } })).toBe(1);
    expect(await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } })).toEqual(before);
  });
});

describe("cookie-authenticated writes check Origin where the data changes, not only in middleware", () => {
  it("the refresh POST refuses a cross-site or origin-less request carrying a live refresh cookie with 403, and rotates nothing", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("csrf"));
    mockRefreshCookie = tokens.refreshToken;
    const results = [];
    for (const origin of ["https://evil.test", "null", undefined]) {
      const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", cookie: `${REFRESH_COOKIE}=${tokens.refreshToken}` };
      if (origin) headers.origin = origin;
      // The middleware would refuse these; this is the request that slips past it (CVE-2025-29927).
      const res = await REFRESH(new NextRequest(new URL("/api/auth/refresh", APP), { method: "POST", headers, body: "next=%2Fdashboard" }));
      results.push({ origin: origin ?? "none", status: res.status, cookies: res.headers.getSetCookie().length });
    }
    const row = await h.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: sha256Hex(tokens.refreshToken) } });
    expect({ results, rotated: row.rotatedAt !== null }).toEqual({
      results: [
        { origin: "https://evil.test", status: 403, cookies: 0 },
        { origin: "null", status: 403, cookies: 0 },
        { origin: "none", status: 403, cookies: 0 },
      ],
      rotated: false,
    });
  });
});

describe("CSRF refusals are audit events, even those the edge middleware answers", () => {
  const refusal = (ip: string, requestId: string, marker: string | null = "/account/profile") =>
    new NextRequest(new URL(CSRF_REFUSED_PATH, APP), {
      method: "POST",
      headers: {
        origin: "https://evil.test",
        "user-agent": "jest-csrf",
        [CLIENT_IP_HEADER]: ip,
        [REQUEST_ID_HEADER]: requestId,
        ...(marker === null ? {} : { [CSRF_REFUSED_HEADER]: marker }),
      },
      body: "name=pwned",
    });
  const savedPreload = process.env.GATEHOUSE_CLIENT_IP_PRELOAD;
  beforeEach(() => (process.env.GATEHOUSE_CLIENT_IP_PRELOAD = "1"));
  afterAll(() => (process.env.GATEHOUSE_CLIENT_IP_PRELOAD = savedPreload));

  it("the route the middleware hands a refused write to answers 403 csrf-rejected and stores malicious_csrf with path, IP, user agent and request id", async () => {
    const res = await CSRF_REFUSED(refusal("198.51.100.10", "csrf-audit-1"));
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "csrf-rejected", message: expect.any(String) });
    const events = await h.db.authEvent.findMany({ where: { requestId: "csrf-audit-1" } });
    expect(events.map((e) => ({ type: e.type, ip: e.ip, userAgent: e.userAgent, detail: e.detail }))).toEqual([
      { type: "malicious_csrf", ip: "198.51.100.10", userAgent: "jest-csrf", detail: { path: "/account/profile" } },
    ]);
  });

  it("is a 404 that stores nothing when reached without the middleware's marker", async () => {
    const res = await CSRF_REFUSED(refusal("198.51.100.11", "csrf-audit-direct", null));
    expect(res.status).toBe(404);
    expect(await h.db.authEvent.count({ where: { requestId: "csrf-audit-direct" } })).toBe(0);
  });

  it(`a flood from one address is refused every time but stored at most ${REFUSAL_AUDIT_LIMIT.points} times a minute`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < REFUSAL_AUDIT_LIMIT.points + 5; i++) {
      statuses.push((await CSRF_REFUSED(refusal("198.51.100.12", `csrf-flood-${i}`))).status);
    }
    expect(new Set(statuses)).toEqual(new Set([403]));
    expect(await h.db.authEvent.count({ where: { ip: "198.51.100.12", type: "malicious_csrf" } })).toBe(REFUSAL_AUDIT_LIMIT.points);
    // Another address still gets its refusals recorded.
    await CSRF_REFUSED(refusal("198.51.100.13", "csrf-other"));
    expect(await h.db.authEvent.count({ where: { requestId: "csrf-other" } })).toBe(1);
  });

  it("the refresh POST's own refusal is stored too", async () => {
    const res = await REFRESH(
      new NextRequest(new URL("/api/auth/refresh", APP), {
        method: "POST",
        headers: { origin: "https://evil.test", [CLIENT_IP_HEADER]: "198.51.100.14", [REQUEST_ID_HEADER]: "csrf-refresh" },
      }),
    );
    expect(res.status).toBe(403);
    const events = await h.db.authEvent.findMany({ where: { requestId: "csrf-refresh" } });
    expect(events.map((e) => [e.type, e.detail])).toEqual([["malicious_csrf", { path: "/api/auth/refresh" }]]);
  });
});
