/**
 * SECURITY.md "Tokens and sessions": the rules with no test elsewhere. The
 * token checks themselves are in __tests__/unit/auth-jwt.test.ts (EdDSA keys in
 * __tests__/integration/jwks.test.ts), rotation and lifetimes in
 * __tests__/integration/auth-session.test.ts.
 */
import { SignJWT } from "jose";
import { changeNameAction, changePasswordAction, confirmEmailChangeAction, requestEmailChangeAction } from "@/app/(account)/account/profile/actions";
import ProfilePage from "@/app/(account)/account/profile/page";
import { revokeOtherSessionsAction, revokeSessionAction } from "@/app/(account)/account/sessions/actions";
import SessionsPage from "@/app/(account)/account/sessions/page";
import ActivityPage from "@/app/(account)/account/activity/page";
import DashboardPage from "@/app/(account)/dashboard/page";
import AccountLayout from "@/app/(account)/layout";
import { signOutAction } from "@/app/(account)/actions";
import { ACCESS_TOKEN_TYPE, jwtAudience, jwtIssuer } from "@/lib/auth/constants";
import { verifyAccessToken } from "@/lib/auth/jwt";
import { revokeSession } from "@/lib/auth/session";
import { EnvError, parseEnv } from "@/lib/env";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";
import { PASSWORD, createVerifiedUser, rejectionOf, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

// Pages and actions read the access cookie through next/headers: this stands in for Next's request scope.
let mockAccessToken: string | undefined;
jest.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "gh_at" && mockAccessToken ? { name, value: mockAccessToken } : undefined),
    has: (name: string) => name === "gh_at" && mockAccessToken !== undefined,
    set: () => {},
  }),
  headers: async () => new Headers({ "user-agent": "jest-security", "x-request-id": "tokens-sessions" }),
}));
jest.mock("next/cache", () => ({ revalidatePath: () => {} }));

const h = setupAuthHarness();
afterEach(() => (mockAccessToken = undefined));

const STRONG_SECRET = "k3Yb9QxW2mZr7TnV5pLs8HdC4fJg6EaU1oIi0yRt";

describe("clock leeway and the refresh grace window have hard ceilings", () => {
  it("clock leeway is at most 30 s: a larger setting stops the start, and a stray one is clamped", async () => {
    expect(() => parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, JWT_CLOCK_LEEWAY_SECONDS: "31" })).toThrow(EnvError);
    expect(() => parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, JWT_CLOCK_LEEWAY_SECONDS: "31" })).toThrow(/JWT_CLOCK_LEEWAY_SECONDS/);
    expect(parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, JWT_CLOCK_LEEWAY_SECONDS: "30" }).JWT_CLOCK_LEEWAY_SECONDS).toBe(30);

    // The edge middleware reads process.env itself: even if the start check were skipped, 300 s is not honoured.
    h.setEnv({ JWT_CLOCK_LEEWAY_SECONDS: "300" });
    const now = Math.floor(Date.now() / 1000);
    const expiredSince = async (seconds: number) =>
      new SignJWT({ sid: "0197a1b2-0000-7000-8000-000000000001", role: "USER" })
        .setProtectedHeader({ alg: "HS256", typ: ACCESS_TOKEN_TYPE })
        .setSubject("0197a1b2-0000-7000-8000-000000000002")
        .setIssuer(jwtIssuer())
        .setAudience(jwtAudience())
        .setIssuedAt(now - 900 - seconds)
        .setExpirationTime(now - seconds)
        .sign(new TextEncoder().encode(process.env.JWT_SECRET));
    expect((await verifyAccessToken(await expiredSince(20))).ok).toBe(true);
    expect(await verifyAccessToken(await expiredSince(60))).toMatchObject({ ok: false, reason: "expired" });
    expect(await verifyAccessToken(await expiredSince(240))).toMatchObject({ ok: false, reason: "expired" });
  });

  it("the refresh grace window is at most 10 s: a larger setting stops the start", () => {
    expect(() => parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, REFRESH_GRACE_SECONDS: "11" })).toThrow(/REFRESH_GRACE_SECONDS/);
    expect(parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, REFRESH_GRACE_SECONDS: "10" }).REFRESH_GRACE_SECONDS).toBe(10);
  });

});

/** Where a redirect() thrown by Next would send the browser, or null. */
function redirectOf(err: unknown): string | null {
  const digest = (err as { digest?: unknown })?.digest;
  return typeof digest === "string" && digest.startsWith("NEXT_REDIRECT") ? (digest.split(";")[2] ?? null) : null;
}

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

type Action = (prev: ActionState, fd: FormData) => Promise<ActionState>;

describe("revocation applies at once to every page and action (they check the session row, not only the JWT)", () => {
  const search = { searchParams: Promise.resolve({}) };
  const renders: Array<[string, () => Promise<unknown>]> = [
    ["account layout", () => AccountLayout({ children: null })],
    ["dashboard", () => DashboardPage()],
    ["profile", () => ProfilePage(search)],
    ["sessions", () => SessionsPage()],
    ["activity", () => ActivityPage(search)],
  ];
  const actions = (): Array<[string, Action, FormData]> => [
    ["change name", changeNameAction, form({ name: "Mallory" })],
    ["change password", changePasswordAction, form({ currentPassword: PASSWORD, password: "violet kettle drums under 9 moons" })],
    ["request email change", requestEmailChangeAction, form({ newEmail: uniqueEmail("new"), currentPassword: PASSWORD })],
    ["confirm email change", confirmEmailChangeAction, form({ code: "123456" })],
    ["revoke a session", revokeSessionAction, form({ sessionId: "0197a1b2-0000-7000-8000-000000000001" })],
    ["revoke other sessions", revokeOtherSessionsAction, form({})],
  ];

  it("a revoked session's still-valid JWT renders no account page and runs no account action", async () => {
    const { email, tokens } = await createVerifiedUser(h.sink, uniqueEmail("revoked"));
    mockAccessToken = tokens.accessToken;
    // Control: while the session is live, the pages render.
    for (const [name, render] of renders) expect({ name, rendered: Boolean(await render()) }).toEqual({ name, rendered: true });

    await revokeSession(tokens.sessionId, "test");
    expect((await verifyAccessToken(tokens.accessToken)).ok).toBe(true); // the JWT alone would still pass the middleware
    const pages = [];
    for (const [name, render] of renders) pages.push({ name, to: redirectOf(await rejectionOf(render())) });
    expect(pages).toEqual(renders.map(([name]) => ({ name, to: "/sign-in?reason=expired" })));

    const eventsBefore = await h.db.authEvent.count();
    const ran = [];
    for (const [name, action, fd] of actions()) ran.push({ name, to: redirectOf(await rejectionOf(action(initialActionState, fd))) });
    expect(ran).toEqual(actions().map(([name]) => ({ name, to: "/sign-in?reason=expired" })));
    // Nothing changed: same name, same password hash, no event.
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.name).not.toBe("Mallory");
    expect(await h.db.authEvent.count()).toBe(eventsBefore);
  });

  it("signing out with a revoked session's JWT revokes nothing else and records no logout for it", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("signout"));
    mockAccessToken = tokens.accessToken;
    await revokeSession(tokens.sessionId, "test");
    expect(redirectOf(await rejectionOf(signOutAction()))).toBe("/sign-in?reason=signed-out");
    expect(await h.db.authEvent.count({ where: { type: "logout" } })).toBe(0);
  });
});
