/**
 * SECURITY.md "Cookies, CSRF, redirects, headers": the rules with no test
 * elsewhere. Cookie flags, headers and the middleware's CSRF answers of the
 * production build are proven in e2e/regressions.e2e.test.ts; the middleware's
 * own logic in __tests__/unit/middleware.test.ts.
 */
import fc from "fast-check";
import { NextRequest } from "next/server";
import { GET as REFRESH_PAGE, POST as REFRESH } from "@/app/api/auth/refresh/route";
import { REFRESH_COOKIE } from "@/lib/auth/constants";
import { safeRedirectPath } from "@/lib/auth/redirect";
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
