/**
 * Issue 14 (items 1–3): the account lifecycle under interleavings and
 * strangers. Each test is the attack as it was reproduced live, and asserts
 * the property (the attack fails whatever the timing), not one ordering.
 *   1. a pending account cannot be pre-claimed: whoever registered someone
 *      else's address first never keeps access once the owner proves it;
 *   2. an admin's lock holds against sign-ins in flight and is never cleared
 *      by a user's success;
 *   3. a reset, a password change and sign-out everywhere evict even the
 *      sign-ins that were mid-bcrypt when they committed.
 */
import { isRedirectError } from "next/dist/client/components/redirect-error";
import { getURLFromRedirectError } from "next/dist/client/components/redirect";
import { NextRequest } from "next/server";
import { signUpAction } from "@/app/(auth)/sign-up/actions";
import { resendCodeAction, verifyEmailAction } from "@/app/(auth)/verify-email/actions";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { POST as RESEND } from "@/app/api/auth/resend-code/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { POST as VERIFY } from "@/app/api/auth/verify-email/route";
import { resendVerificationCode, signIn, verifyEmail } from "@/lib/auth/accounts";
import { lockUserAccount } from "@/lib/auth/admin";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { changePassword, revokeOtherSessions } from "@/lib/auth/profile";
import { requestPasswordReset, resetPassword } from "@/lib/auth/recovery";
import { invalidateUserSessions, refreshSession, validateAccessToken, type TokenPair } from "@/lib/auth/session";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";
import { extractLink } from "../helpers/smtp-sink";
import {
  CTX,
  OTHER_PASSWORD,
  PASSWORD,
  createVerifiedUser,
  latestCode,
  mailsTo,
  passOneMinute,
  rejectionOf,
  sessionFor,
  setupAuthHarness,
  signUp,
  uniqueEmail,
} from "../helpers/auth-harness";

// Next's request scope for the page actions: one browser's cookie jar, switchable per "browser".
const jars = new Map<string, Map<string, string>>();
let browser = "owner";
const jar = () => {
  let j = jars.get(browser);
  if (!j) jars.set(browser, (j = new Map()));
  return j;
};
jest.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (jar().has(name) ? { name, value: jar().get(name)! } : undefined),
    has: (name: string) => jar().has(name),
    set: (name: string, value: string, opts?: { maxAge?: number }) => {
      if (opts?.maxAge === 0) jar().delete(name);
      else jar().set(name, value);
    },
  }),
  headers: async () => new Headers({ "user-agent": `jest-${browser}` }),
}));

const h = setupAuthHarness();
const APP = "http://localhost:3000";
const THIRD_PASSWORD = "quiet lanterns over seven rivers";

type Handler = (req: NextRequest) => Promise<Response>;
async function api(handler: Handler, path: string, json: unknown, ip = "198.51.100.20") {
  const res = await handler(
    new NextRequest(new URL(path, APP), {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body: JSON.stringify(json),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
async function passwordGrant(username: string, password: string) {
  const res = await TOKEN(
    new NextRequest(new URL("/api/auth/token", APP), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username, password }).toString(),
    }),
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}
/** A page action's outcome: the redirect target, or its form state. */
async function act(p: Promise<ActionState>): Promise<{ redirect?: string; state?: ActionState }> {
  try {
    return { state: await p };
  } catch (err) {
    if (isRedirectError(err)) return { redirect: getURLFromRedirectError(err) };
    throw err;
  }
}

/** Every session of the user that a request could still use right now. */
async function usableSessions(tokens: TokenPair[]): Promise<number> {
  const alive = await Promise.all(tokens.map((t) => validateAccessToken(t.accessToken)));
  return alive.filter(Boolean).length;
}

type Handed = TokenPair & { startedAt: number };
/** Loop password sign-ins until `stop()` says so; collect every token pair handed out, with when its sign-in started. */
async function loopSignIns(email: string, password: string, stop: () => boolean, ip: string): Promise<Handed[]> {
  const got: Handed[] = [];
  while (!stop()) {
    const startedAt = Date.now();
    const r = await signIn({ email, password }, { ...CTX, ip }).catch(() => null);
    if (r?.status === "signed-in") got.push({ ...r.tokens, startedAt });
  }
  return got;
}

beforeEach(() => {
  jars.clear();
  browser = "owner";
});

describe("1. a pending account cannot be pre-claimed", () => {
  it("API: a stranger registers the address first; the owner signs up, resends, enters the code: only the owner's password works", async () => {
    const email = uniqueEmail("victim");
    const stranger = await api(REGISTER, "/api/auth/register", { email, name: "Stranger", password: OTHER_PASSWORD }, "203.0.113.66");
    const owner = await api(REGISTER, "/api/auth/register", { email, name: "Owner", password: PASSWORD });
    expect(owner.status).toBe(stranger.status); // the same 202
    await passOneMinute(h.db);
    expect((await api(RESEND, "/api/auth/resend-code", { email })).status).toBe(202);
    await settleBackgroundTasks();
    const verified = await api(VERIFY, "/api/auth/verify-email", { email, code: latestCode(h.sink, email), registration: owner.body.registration });
    expect(verified.status).toBe(200);
    expect(typeof verified.body.access_token).toBe("string");

    expect((await passwordGrant(email, OTHER_PASSWORD)).body.error).toBe("invalid_grant"); // the stranger's: never
    expect((await passwordGrant(email, PASSWORD)).status).toBe(200);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.name).toBe("Owner");
  });

  it("API: the stranger registers again after the owner; the code from that mail, entered by the owner, still never lets the stranger in", async () => {
    const email = uniqueEmail("pingpong");
    const owner = await api(REGISTER, "/api/auth/register", { email, name: "Owner", password: PASSWORD });
    const stranger = await api(REGISTER, "/api/auth/register", { email, name: "Stranger", password: OTHER_PASSWORD }, "203.0.113.66");
    const code = latestCode(h.sink, email); // mailed because of the stranger's sign-up
    // The owner enters it with their own, replaced registration: the address is confirmed, but the
    // password now on the account is not provably theirs, so it is discarded and a link is mailed.
    const theirs = await api(VERIFY, "/api/auth/verify-email", { email, code, registration: owner.body.registration });
    expect(theirs).toMatchObject({ status: 202, body: { status: "set-password", email } });
    expect(stranger.body.registration).not.toBe(owner.body.registration);
    expect(await h.db.session.count()).toBe(0);
    // Neither password works now; the stranger's registration is worthless (the code is spent, the secret gone).
    expect((await passwordGrant(email, OTHER_PASSWORD)).body.error).toBe("invalid_grant");
    expect((await passwordGrant(email, PASSWORD)).body.error).toBe("invalid_grant");
    const again = await api(VERIFY, "/api/auth/verify-email", { email, code, registration: stranger.body.registration });
    expect(again.status).toBe(400);
    // The owner picks a password with the mailed link.
    await settleBackgroundTasks();
    const token = new URL(extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password")).searchParams.get("token")!;
    await resetPassword({ token, password: THIRD_PASSWORD }, CTX);
    expect((await passwordGrant(email, THIRD_PASSWORD)).status).toBe(200);
  });

  it("the code without the registration confirms the address but discards the pending password and mails a link to choose one", async () => {
    const email = uniqueEmail("nosecret");
    await signUp(email, { password: OTHER_PASSWORD, ip: "203.0.113.66" }); // a stranger's registration
    const result = await verifyEmail({ email, code: latestCode(h.sink, email) }, CTX); // the mailbox owner, elsewhere
    expect(result).toMatchObject({ status: "set-password", email });
    await settleBackgroundTasks();
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(user.signupSecretHash).toBeNull();
    await expect(signIn({ email, password: OTHER_PASSWORD }, CTX)).rejects.toMatchObject({ code: "invalid-credentials" });

    // The owner chooses a password through the mailed link, and only that one works.
    const token = new URL(extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password")).searchParams.get("token")!;
    await resetPassword({ token, password: THIRD_PASSWORD }, CTX);
    await expect(signIn({ email, password: THIRD_PASSWORD }, CTX)).resolves.toMatchObject({ status: "signed-in" });
    await expect(signIn({ email, password: OTHER_PASSWORD }, CTX)).rejects.toMatchObject({ code: "invalid-credentials" });
  });

  it("pages: the stranger's browser signs up first; the owner's browser signs up, resends, types the code and lands signed in; the stranger's password never works", async () => {
    const email = uniqueEmail("pages");
    browser = "stranger";
    expect((await act(signUpAction(initialActionState, form({ email, name: "Stranger", password: OTHER_PASSWORD })))).redirect).toMatch(/^\/verify-email/);
    browser = "owner";
    expect((await act(signUpAction(initialActionState, form({ email, name: "Owner", password: PASSWORD })))).redirect).toMatch(/^\/verify-email/);
    await passOneMinute(h.db);
    await act(resendCodeAction(initialActionState, form({ email })));
    await settleBackgroundTasks();
    const done = await act(verifyEmailAction(initialActionState, form({ email, code: latestCode(h.sink, email) })));
    expect(done.redirect).toBe("/dashboard");
    expect(jars.get("owner")!.has("gh_at")).toBe(true);
    expect(jars.get("owner")!.has("gh_su")).toBe(false); // spent

    // The stranger's browser, with its own (replaced) signup cookie, gets nowhere.
    browser = "stranger";
    const stranger = await act(verifyEmailAction(initialActionState, form({ email, code: latestCode(h.sink, email) })));
    expect(stranger.state).toMatchObject({ status: "error" });
    await expect(signIn({ email, password: OTHER_PASSWORD }, CTX)).rejects.toMatchObject({ code: "invalid-credentials" });
    await expect(signIn({ email, password: PASSWORD }, CTX)).resolves.toMatchObject({ status: "signed-in" });
  });

  it("a verification and a replacing sign-up at the same moment: whichever wins, the stranger's password never signs in", async () => {
    for (let round = 0; round < 5; round++) {
      const email = uniqueEmail("race");
      const owner = await signUp(email, { password: PASSWORD });
      const code = latestCode(h.sink, email);
      await Promise.allSettled([
        verifyEmail({ email, code, registration: owner.registration }, CTX),
        signUp(email, { password: OTHER_PASSWORD, ip: "203.0.113.66" }),
      ]);
      // Either the verification won (the stranger's password is refused) or the replacement did (the
      // account is pending again, and the stranger's right password only mails a code to the owner's mailbox).
      const stranger = await signIn({ email, password: OTHER_PASSWORD }, { ...CTX, ip: `198.51.100.${round}` }).catch((e: { code: string }) => e.code);
      expect(["invalid-credentials", "verify-email"]).toContain(typeof stranger === "string" ? stranger : stranger.status);
      // The owner's session, if the verification won, stays theirs alone.
      const sessions = await h.db.session.findMany({ where: { user: { email } } });
      expect(sessions.length).toBeLessThanOrEqual(1);
    }
  });

  it("email change: a pending account holding the new address gives way to the account that proves it", async () => {
    const squatted = uniqueEmail("squatted");
    await signUp(squatted, { password: OTHER_PASSWORD, ip: "203.0.113.66" }); // pre-claimed, never proven
    const me = await createVerifiedUser(h.sink, uniqueEmail("mover"));
    const actor = { userId: me.tokens.userId, sessionId: me.tokens.sessionId };
    const { requestEmailChange, confirmEmailChange } = await import("@/lib/auth/profile");
    await requestEmailChange(actor, { newEmail: squatted, currentPassword: PASSWORD }, CTX);
    await settleBackgroundTasks();
    await expect(confirmEmailChange(actor, { code: latestCode(h.sink, squatted) }, CTX)).resolves.toEqual({ email: squatted });
    const holders = await h.db.user.findMany({ where: { email: squatted } });
    expect(holders.map((u) => u.id)).toEqual([me.tokens.userId]);
    await expect(signIn({ email: squatted, password: OTHER_PASSWORD }, CTX)).rejects.toMatchObject({ code: "invalid-credentials" });
  });
});

describe("2. an admin's lock holds", () => {
  async function adminActor() {
    const a = await createVerifiedUser(h.sink, uniqueEmail("admin"));
    await h.db.user.update({ where: { id: a.tokens.userId }, data: { role: "ADMIN" } });
    // A role change ends sessions: the admin signs in again.
    const tokens = await sessionFor({ id: a.tokens.userId, role: "ADMIN" });
    return { userId: a.tokens.userId, sessionId: tokens.sessionId };
  }

  it("4 clients loop the password grant while an admin locks: after the lock answer, zero usable sessions and the lock still set", async () => {
    const admin = await adminActor();
    const { email, tokens: first } = await createVerifiedUser(h.sink, uniqueEmail("locked"));
    let stop = false;
    const loops = [0, 1, 2, 3].map((i) => loopSignIns(email, PASSWORD, () => stop, `198.51.100.${30 + i}`));
    await new Promise((r) => setTimeout(r, 300)); // let them get going, some mid-bcrypt
    await lockUserAccount(admin, first.userId, "indefinite", CTX);
    const afterLock = Date.now();
    await new Promise((r) => setTimeout(r, 500)); // sign-ins in flight at the lock finish meanwhile
    stop = true;
    const handedOut = [first, ...(await Promise.all(loops)).flat()];
    expect(handedOut.length).toBeGreaterThan(1); // the loops did sign in before the lock
    expect(await usableSessions(handedOut)).toBe(0);
    const user = await h.db.user.findUniqueOrThrow({ where: { id: first.userId } });
    expect(user.lockedUntil!.getTime()).toBeGreaterThan(afterLock);
    expect(user.adminLocked).toBe(true);
    // And no refresh brings any of them back.
    for (const t of handedOut) expect((await refreshSession(t.refreshToken, CTX)).ok).toBe(false);
  });

  it("a user's success never clears an admin lock: verifying, resending and signing in are refused like any failure", async () => {
    const admin = await adminActor();
    const email = uniqueEmail("locked-pending");
    const { registration } = await signUp(email);
    const code = latestCode(h.sink, email);
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    await lockUserAccount(admin, user.id, "indefinite", CTX);

    const unknown = await rejectionOf(verifyEmail({ email: uniqueEmail("nobody"), code }, CTX));
    const locked = await rejectionOf(verifyEmail({ email, code, registration }, CTX));
    expect(locked).toMatchObject({ code: "invalid-code", message: (unknown as Error).message });
    const mailsBefore = mailsTo(h.sink, email).length;
    await passOneMinute(h.db);
    await expect(resendVerificationCode(email, CTX)).resolves.toEqual({ retryAfter: 60 });
    await settleBackgroundTasks();
    expect(mailsTo(h.sink, email)).toHaveLength(mailsBefore); // nothing sent to a locked account
    const after = await h.db.user.findUniqueOrThrow({ where: { email } });
    expect(after.emailVerifiedAt).toBeNull();
    expect(after.adminLocked).toBe(true);
    expect(after.lockedUntil).not.toBeNull();
    expect(await h.db.session.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe("3. evictions win against sign-ins in flight", () => {
  let runs = 0;
  async function evictDuringSignIns(evict: (email: string, userId: string, keep: TokenPair) => Promise<void>, password = PASSWORD) {
    const { email, tokens: keep } = await createVerifiedUser(h.sink, uniqueEmail("evict"));
    let stop = false;
    // Fresh client addresses for every run: each has its own per-IP budget (30 a minute).
    const base = 10 + 8 * runs++;
    const loops = Array.from({ length: 8 }, (_, i) => loopSignIns(email, password, () => stop, `192.0.2.${base + i}`));
    await new Promise((r) => setTimeout(r, 300));
    const evictStarted = Date.now();
    await evict(email, keep.userId, keep);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    const handedOut = (await Promise.all(loops)).flat();
    return { handedOut, keep, evictStarted };
  }

  it("8 concurrent old-password loops during a reset: 0 sessions usable after the reset answer", async () => {
    const { handedOut } = await evictDuringSignIns(async (email) => {
      await requestPasswordReset(email, CTX);
      await settleBackgroundTasks();
      const token = new URL(extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password")).searchParams.get("token")!;
      await resetPassword({ token, password: THIRD_PASSWORD }, CTX);
    });
    expect(handedOut.length).toBeGreaterThan(0);
    expect(await usableSessions(handedOut)).toBe(0);
    for (const t of handedOut) expect((await refreshSession(t.refreshToken, CTX)).ok).toBe(false);
  });

  it("a password change keeps only the session that made it; sign-ins in flight with the old password end up unusable", async () => {
    const { handedOut, keep } = await evictDuringSignIns(async (_email, userId, current) => {
      await changePassword({ userId, sessionId: current.sessionId }, { currentPassword: PASSWORD, password: THIRD_PASSWORD }, CTX);
    });
    expect(await usableSessions(handedOut)).toBe(0);
    expect(await validateAccessToken(keep.accessToken)).not.toBeNull();
    expect((await refreshSession(keep.refreshToken, CTX)).ok).toBe(true);
  });

  it("sign-out everywhere (and 'sign out other devices') leaves no session made under the credentials it ended", async () => {
    // The password is unchanged, so a sign-in that reads the account after the eviction makes a new,
    // legitimate session. Timing cannot tell those apart (a sign-in that started first may still read
    // later, queued for a connection), so the test asks the database: every session handed out under
    // the version the eviction replaced is unusable, and only sessions of the new version live.
    async function check(evict: (userId: string, keep: TokenPair) => Promise<void>) {
      const run = await evictDuringSignIns(async (_email, userId, keep) => evict(userId, keep));
      const { securityVersion } = await h.db.user.findUniqueOrThrow({ where: { id: run.keep.userId } });
      const rows = await h.db.session.findMany({ where: { id: { in: run.handedOut.map((t) => t.sessionId) } } });
      const stampOf = new Map(rows.map((r) => [r.id, r.securityVersion]));
      const older = run.handedOut.filter((t) => stampOf.get(t.sessionId)! < securityVersion);
      const usable = (await Promise.all(run.handedOut.map(async (t) => ((await validateAccessToken(t.accessToken)) ? t : null)))).filter(
        (t): t is Handed => t !== null,
      );
      expect(older.length).toBeGreaterThan(0); // sign-ins did run under the old credentials
      expect(await usableSessions(older)).toBe(0);
      expect(usable.every((t) => stampOf.get(t.sessionId) === securityVersion)).toBe(true);
      return run;
    }
    const everywhere = await check((userId) => invalidateUserSessions(userId, "sign-out-everywhere").then(() => undefined));
    expect(await validateAccessToken(everywhere.keep.accessToken)).toBeNull();
    const others = await check((userId, keep) => invalidateUserSessions(userId, "revoked-others", keep.sessionId).then(() => undefined));
    expect(await validateAccessToken(others.keep.accessToken)).not.toBeNull();

    // Through the profile flow: the acting session is re-stamped with the new version and lives on.
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("others"));
    const extra = await sessionFor({ id: tokens.userId, role: "USER" });
    await expect(revokeOtherSessions({ userId: tokens.userId, sessionId: tokens.sessionId }, CTX)).resolves.toEqual({ count: 1 });
    expect(await validateAccessToken(tokens.accessToken)).not.toBeNull();
    expect(await validateAccessToken(extra.accessToken)).toBeNull();
  });

  it("a session made under an older credentials version is dead on read and on refresh, in the same one query", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("stale"));
    await h.db.user.update({ where: { id: tokens.userId }, data: { securityVersion: { increment: 1 } } });
    expect(await validateAccessToken(tokens.accessToken)).toBeNull();
    expect(await refreshSession(tokens.refreshToken, CTX)).toEqual({ ok: false, reason: "expired" });
    const row = await h.db.session.findUniqueOrThrow({ where: { id: tokens.sessionId } });
    expect(row.revokedReason).toBe("credentials-changed");
  });
});
