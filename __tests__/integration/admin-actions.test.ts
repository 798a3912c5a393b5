import { renderToStaticMarkup } from "react-dom/server";
import AdminAuditPage from "@/app/admin/audit/page";
import AdminLayout from "@/app/admin/layout";
import AdminUserPage from "@/app/admin/users/[id]/page";
import {
  changeRoleAction,
  deleteUserAction,
  lockUserAction,
  resendVerificationAction,
  revokeAllUserSessionsAction,
  revokeUserSessionAction,
  sendPasswordResetAction,
  unlockUserAction,
} from "@/app/admin/users/[id]/actions";
import AdminUsersPage from "@/app/admin/users/page";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { ACCESS_COOKIE } from "@/lib/auth/constants";
import { hashPassword } from "@/lib/auth/password";
import { type TokenPair } from "@/lib/auth/session";
import { createUser } from "@/lib/data/users";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";
import { CTX, PASSWORD, mailsTo, rejectionOf, setupAuthHarness, uniqueEmail, sessionFor } from "../helpers/auth-harness";

/**
 * The /admin pages and server actions as Next runs them, with the request's
 * cookies and headers supplied here: the layout, every page and every action
 * check the session row themselves (a request that slips past the middleware
 * still meets them), and a malformed id is a 404, never a 500.
 */

let mockAccessToken: string | undefined;
jest.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "gh_at" && mockAccessToken ? { name, value: mockAccessToken } : undefined),
    has: (name: string) => name === "gh_at" && mockAccessToken !== undefined,
    set: () => {},
  }),
  headers: async () => new Headers({ "user-agent": "jest-admin", "x-request-id": "admin-actions-test" }),
}));
jest.mock("next/cache", () => ({ revalidatePath: () => {} }));

const h = setupAuthHarness();
afterEach(async () => {
  mockAccessToken = undefined;
  await settleBackgroundTasks();
});

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
  expect(ACCESS_COOKIE).toBe("gh_at"); // the cookie the mock above answers for
});

type Person = { id: string; email: string; tokens: TokenPair };

async function person(role: "USER" | "ADMIN" = "USER", verified = true): Promise<Person> {
  const user = await createUser({ email: uniqueEmail(role.toLowerCase()), name: "Ana Tester", passwordHash });
  await h.db.user.update({ where: { id: user.id }, data: { role, emailVerifiedAt: verified ? new Date() : null } });
  return { id: user.id, email: user.email, tokens: await sessionFor({ id: user.id, role }, CTX) };
}

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

/** Where a redirect() / notFound() thrown by Next would send the browser. */
function nextRedirect(err: unknown): string | null {
  const digest = (err as { digest?: unknown })?.digest;
  if (typeof digest !== "string") return null;
  if (digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404")) return "404";
  return digest.startsWith("NEXT_REDIRECT") ? (digest.split(";")[2] ?? null) : null;
}

type Action = (prev: ActionState, fd: FormData) => Promise<ActionState>;

function everyAction(target: Person): Array<[string, Action, FormData]> {
  const id = target.id;
  return [
    ["changeRole", changeRoleAction, form({ userId: id, role: "ADMIN" })],
    ["lock", lockUserAction, form({ userId: id, duration: "indefinite" })],
    ["unlock", unlockUserAction, form({ userId: id })],
    ["revokeSession", revokeUserSessionAction, form({ userId: id, sessionId: target.tokens.sessionId })],
    ["revokeAll", revokeAllUserSessionsAction, form({ userId: id })],
    ["resendCode", resendVerificationAction, form({ userId: id })],
    ["passwordReset", sendPasswordResetAction, form({ userId: id })],
    ["delete", deleteUserAction, form({ userId: id, confirmEmail: target.email })],
  ];
}

describe("admin server actions", () => {
  it("send a USER, a demoted admin and a signed-out visitor away, changing nothing", async () => {
    const user = await person("USER");
    const demoted = await person("ADMIN");
    await person("ADMIN"); // so the demotion is allowed
    await h.db.user.update({ where: { id: demoted.id }, data: { role: "USER" } });
    const target = await person("USER", false);
    for (const [token, where] of [
      [user.tokens.accessToken, "/dashboard"],
      [demoted.tokens.accessToken, "/dashboard"],
      [undefined, "/sign-in?reason=expired"],
    ] as const) {
      mockAccessToken = token;
      for (const [name, action, fd] of everyAction(target)) {
        const err = await rejectionOf(action(initialActionState, fd));
        expect({ name, to: nextRedirect(err) }).toEqual({ name, to: where });
      }
    }
    const row = await h.db.user.findUniqueOrThrow({ where: { id: target.id } });
    expect(row).toMatchObject({ role: "USER", lockedUntil: null });
    expect(await h.db.session.count({ where: { userId: target.id, revokedAt: { not: null } } })).toBe(0);
    expect(mailsTo(h.sink, target.email)).toHaveLength(0);
  });

  it("do their work for an admin and answer with a message", async () => {
    const a = await person("ADMIN");
    const target = await person("USER", false);
    mockAccessToken = a.tokens.accessToken;
    const run = (action: Action, fields: Record<string, string>) => action(initialActionState, form(fields));

    expect(await run(changeRoleAction, { userId: target.id, role: "ADMIN" })).toEqual({ status: "success", message: "This user is now an administrator." });
    expect(await run(changeRoleAction, { userId: target.id, role: "USER" })).toMatchObject({ status: "success" });
    expect(await run(changeRoleAction, { userId: a.id, role: "USER" })).toMatchObject({ status: "error", message: expect.stringMatching(/last administrator/) });
    expect(await run(lockUserAction, { userId: target.id, duration: "7d" })).toMatchObject({ status: "success", message: expect.stringMatching(/7 days.*1 session/) });
    expect(await run(unlockUserAction, { userId: target.id })).toMatchObject({ status: "success" });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: target.id } })).lockedUntil).toBeNull();
    expect(await run(resendVerificationAction, { userId: target.id })).toMatchObject({ status: "success" });
    expect(await run(sendPasswordResetAction, { userId: target.id })).toMatchObject({ status: "success" });
    await settleBackgroundTasks();
    expect(mailsTo(h.sink, target.email)).toHaveLength(2);
    const s = await sessionFor({ id: target.id, role: "USER" }, CTX);
    expect(await run(revokeUserSessionAction, { userId: target.id, sessionId: s.sessionId })).toMatchObject({ status: "success" });
    expect(await run(revokeAllUserSessionsAction, { userId: target.id })).toEqual({ status: "success", message: "0 sessions were ended." });

    // Invalid input never reaches the database: every field error comes back.
    const bad = await run(lockUserAction, { userId: "nope", duration: "forever" });
    expect(bad.status).toBe("error");
    expect(Object.keys(bad.fieldErrors ?? {}).sort()).toEqual(["duration", "userId"]);

    // Delete: a wrong confirmation changes nothing; the right one redirects to the list.
    expect(await run(deleteUserAction, { userId: target.id, confirmEmail: "wrong@example.test" })).toMatchObject({ status: "error" });
    expect(await h.db.user.count({ where: { id: target.id } })).toBe(1);
    const err = await rejectionOf(run(deleteUserAction, { userId: target.id, confirmEmail: target.email }));
    expect(nextRedirect(err)).toBe("/admin/users?deleted=1");
    expect(await h.db.user.count({ where: { id: target.id } })).toBe(0);

    const types = (await h.db.authEvent.findMany({ where: { requestId: "admin-actions-test" }, select: { type: true } })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["privilege_permissions_changed", "user_updated", "authz_admin", "session_revoked", "session_revoked_all", "user_deleted"]));
  });
});

describe("admin pages", () => {
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const search = (sp: Record<string, string> = {}) => ({ searchParams: Promise.resolve(sp) });

  it("redirect a USER away from the layout and every page", async () => {
    const u = await person("USER");
    mockAccessToken = u.tokens.accessToken;
    const renders: Array<[string, () => Promise<unknown>]> = [
      ["layout", () => AdminLayout({ children: null })],
      ["users", () => AdminUsersPage(search())],
      ["user", () => AdminUserPage(params(u.id))],
      ["audit", () => AdminAuditPage(search())],
    ];
    for (const [name, render] of renders) {
      expect({ name, to: nextRedirect(await rejectionOf(render())) }).toEqual({ name, to: "/dashboard" });
    }
  });

  it("answer 404 for a malformed or unknown user id, never a 500", async () => {
    const a = await person("ADMIN");
    mockAccessToken = a.tokens.accessToken;
    for (const id of ["nope", "1; DROP TABLE users", "01234567-89ab-cdef-0123-456789abcdef"]) {
      expect(nextRedirect(await rejectionOf(AdminUserPage(params(id))))).toBe("404");
    }
  });

  it("render the users list, a user, and the audit log for an admin", async () => {
    const a = await person("ADMIN");
    const u = await person("USER", false);
    mockAccessToken = a.tokens.accessToken;

    const list = renderToStaticMarkup(await AdminUsersPage(search({ q: "user-", role: "bogus" })));
    expect(list).toContain(u.email);
    expect(list).not.toContain(a.email); // filtered by the search
    expect(list).toContain("Ignored a filter that was not valid: role");

    const detail = renderToStaticMarkup(await AdminUserPage(params(u.id)));
    expect(detail).toContain(u.email);
    expect(detail).toContain("Resend confirmation code"); // unverified
    expect(detail).toContain("Delete this account");

    const own = renderToStaticMarkup(await AdminUserPage(params(a.id)));
    expect(own).toContain("You cannot delete your own account here.");
    expect(own).not.toContain("Resend confirmation code");

    await h.db.authEvent.create({ data: { type: "authn_login_fail", email: u.email, ip: "192.0.2.55" } });
    const audit = renderToStaticMarkup(await AdminAuditPage(search({ ip: "192.0.2.55" })));
    expect(audit).toContain("Failed sign-in");
    expect(audit).toContain("/admin/audit/export?ip=192.0.2.55");
  });
});
