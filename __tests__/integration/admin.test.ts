import { signIn, verifyEmail } from "@/lib/auth/accounts";
import {
  LAST_ADMIN_MESSAGE,
  LOCKED_INDEFINITELY_UNTIL,
  NOT_ADMIN_MESSAGE,
  auditQuerySchema,
  csvField,
  changeUserRole,
  deleteUserAccount,
  exportAuditCsv,
  getUserDetail,
  listAuditEvents,
  listUsers,
  lockUserAccount,
  parseAdminQuery,
  resendVerificationCodeAsAdmin,
  revokeAllUserSessionsAsAdmin,
  revokeUserSessionAsAdmin,
  sendPasswordResetAsAdmin,
  unlockUserAccount,
  userListQuerySchema,
  type AdminActor,
} from "@/lib/auth/admin";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { AuthError } from "@/lib/auth/errors";
import { issueOtp } from "@/lib/auth/otp";
import { hashPassword } from "@/lib/auth/password";
import { revokeSession, validateAccessToken, type TokenPair } from "@/lib/auth/session";
import { replaceResetToken } from "@/lib/data/reset-tokens";
import { createUser } from "@/lib/data/users";
import { extractCode, extractLink } from "../helpers/smtp-sink";
import { CTX, PASSWORD, mailsTo, rejectionOf, setupAuthHarness, uniqueEmail, sessionFor } from "../helpers/auth-harness";

/**
 * lib/auth/admin.ts on the real database and SMTP sink: who may call it, what
 * each admin operation does and records, the last-admin rule under
 * concurrency, deletion cascades, search and filters, the audit list.
 */

const h = setupAuthHarness();
afterEach(async () => {
  await settleBackgroundTasks();
});

let passwordHash: string;
beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

type Person = { id: string; email: string; tokens: TokenPair; actor: AdminActor };

async function person(opts: { role?: "USER" | "ADMIN"; verified?: boolean; name?: string; email?: string } = {}): Promise<Person> {
  const user = await createUser({ email: opts.email ?? uniqueEmail(opts.role === "ADMIN" ? "admin" : "user"), name: opts.name ?? "Ana Tester", passwordHash });
  await h.db.user.update({
    where: { id: user.id },
    data: { role: opts.role ?? "USER", emailVerifiedAt: opts.verified === false ? null : new Date() },
  });
  const tokens = await sessionFor({ id: user.id, role: opts.role ?? "USER" }, CTX);
  return { id: user.id, email: user.email, tokens, actor: { userId: user.id, sessionId: tokens.sessionId } };
}

const admin = () => person({ role: "ADMIN" });

async function events(type: string, where: Record<string, unknown> = {}) {
  return h.db.authEvent.findMany({ where: { type, ...where }, orderBy: { createdAt: "asc" } });
}

async function role(id: string) {
  return (await h.db.user.findUniqueOrThrow({ where: { id }, select: { role: true } })).role;
}

function expectAuthError(err: unknown, code: string, message?: string | RegExp) {
  expect(err).toBeInstanceOf(AuthError);
  expect((err as AuthError).code).toBe(code);
  if (message) expect((err as AuthError).message).toMatch(message);
}

/** Every admin operation, called by `actor` on `target`. */
function everyOperation(actor: AdminActor, target: Person) {
  return {
    listUsers: () => listUsers(actor, userListQuerySchema.parse({}), CTX),
    getUserDetail: () => getUserDetail(actor, target.id, CTX),
    changeUserRole: () => changeUserRole(actor, target.id, "ADMIN", CTX),
    lockUserAccount: () => lockUserAccount(actor, target.id, "indefinite", CTX),
    unlockUserAccount: () => unlockUserAccount(actor, target.id, CTX),
    revokeUserSessionAsAdmin: () => revokeUserSessionAsAdmin(actor, target.id, target.tokens.sessionId, CTX),
    revokeAllUserSessionsAsAdmin: () => revokeAllUserSessionsAsAdmin(actor, target.id, CTX),
    resendVerificationCodeAsAdmin: () => resendVerificationCodeAsAdmin(actor, target.id, CTX),
    sendPasswordResetAsAdmin: () => sendPasswordResetAsAdmin(actor, target.id, CTX),
    deleteUserAccount: () => deleteUserAccount(actor, target.id, target.email, CTX),
    listAuditEvents: () => listAuditEvents(actor, auditQuerySchema.parse({}), CTX),
    exportAuditCsv: () => exportAuditCsv(actor, auditQuerySchema.parse({}), CTX),
  };
}

describe("who may call the admin functions", () => {
  it("refuses a USER every operation, changes nothing, and records authz_fail for each", async () => {
    const user = await person();
    const target = await person({ verified: false });
    const ops = everyOperation(user.actor, target);
    for (const [name, op] of Object.entries(ops)) {
      const err = await rejectionOf(op());
      expectAuthError(err, "forbidden", NOT_ADMIN_MESSAGE);
      expect({ name, status: (err as AuthError).status }).toEqual({ name, status: 403 });
    }
    // Nothing happened to the target.
    const row = await h.db.user.findUniqueOrThrow({ where: { id: target.id } });
    expect(row.role).toBe("USER");
    expect(row.lockedUntil).toBeNull();
    expect(await validateAccessToken(target.tokens.accessToken)).not.toBeNull();
    expect(mailsTo(h.sink, target.email)).toHaveLength(0);
    const fails = await events("authz_fail", { userId: user.id });
    expect(fails).toHaveLength(Object.keys(ops).length);
    expect(fails.map((e) => (e.detail as { action: string }).action).sort()).toEqual(
      [
        "list-users",
        "view-user",
        "change-role",
        "lock-user",
        "unlock-user",
        "revoke-session",
        "revoke-all-sessions",
        "resend-verification",
        "password-reset-mail",
        "delete-user",
        "list-audit",
        "audit-export",
      ].sort(),
    );
  });

  it("refuses an admin demoted after their token was issued, at once", async () => {
    const a = await admin();
    const b = await admin();
    const target = await person();
    expect(await listUsers(a.actor, userListQuerySchema.parse({}), CTX)).toBeDefined();
    await changeUserRole(b.actor, a.id, "USER", CTX);
    // A's access token still says ADMIN (it is a JWT) ...
    const claims = JSON.parse(Buffer.from(a.tokens.accessToken.split(".")[1]!, "base64url").toString()) as { role: string };
    expect(claims.role).toBe("ADMIN");
    // ... but a role change moves the credentials version on: the session is over, and every operation is refused.
    expect(await validateAccessToken(a.tokens.accessToken)).toBeNull();
    for (const op of Object.values(everyOperation(a.actor, target))) {
      expectAuthError(await rejectionOf(op()), "unauthenticated");
    }
    expect(await role(target.id)).toBe("USER");
    // Signed in again, A is a USER, refused as such.
    const again = await sessionFor({ id: a.id, role: "USER" }, CTX);
    const actor = { userId: a.id, sessionId: again.sessionId };
    for (const op of Object.values(everyOperation(actor, target))) {
      expectAuthError(await rejectionOf(op()), "forbidden");
    }
  });

  it("refuses a revoked session, another user's session id and a malformed actor as unauthenticated", async () => {
    const a = await admin();
    const other = await person();
    await revokeSession(a.tokens.sessionId, "logout");
    expectAuthError(await rejectionOf(listUsers(a.actor, userListQuerySchema.parse({}), CTX)), "unauthenticated");
    const b = await admin();
    const mixed = { userId: b.id, sessionId: other.tokens.sessionId };
    expectAuthError(await rejectionOf(listUsers(mixed, userListQuerySchema.parse({}), CTX)), "unauthenticated");
    const garbage = { userId: b.id, sessionId: "not-a-uuid" };
    expectAuthError(await rejectionOf(listUsers(garbage, userListQuerySchema.parse({}), CTX)), "unauthenticated");
  });
});

describe("role changes", () => {
  it("promotes and demotes at once, bumps the security version, and records privilege_permissions_changed", async () => {
    const a = await admin();
    const u = await person();
    const before = await h.db.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(await changeUserRole(a.actor, u.id, "ADMIN", CTX)).toEqual({ changed: true, from: "USER", to: "ADMIN" });
    // A privilege change ends the user's sessions (the credentials version moved on) ...
    expect(await validateAccessToken(u.tokens.accessToken)).toBeNull();
    const after = await h.db.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(after.securityVersion).toBe(before.securityVersion + 1);
    // ... and the next sign-in is an admin session.
    const promoted = await sessionFor({ id: u.id, role: "ADMIN" }, CTX);
    expect((await validateAccessToken(promoted.accessToken))?.session.user.role).toBe("ADMIN");
    const promotedActor = { userId: u.id, sessionId: promoted.sessionId };
    await expect(listUsers(promotedActor, userListQuerySchema.parse({}), CTX)).resolves.toBeDefined();

    expect(await changeUserRole(a.actor, u.id, "ADMIN", CTX)).toEqual({ changed: false, from: "ADMIN", to: "ADMIN" });
    expect(await changeUserRole(a.actor, u.id, "USER", CTX)).toEqual({ changed: true, from: "ADMIN", to: "USER" });
    expectAuthError(await rejectionOf(listUsers(promotedActor, userListQuerySchema.parse({}), CTX)), "unauthenticated");

    const changes = await events("privilege_permissions_changed", { userId: u.id });
    expect(changes.map((e) => e.detail)).toEqual([
      { action: "change-role", actorId: a.id, actorEmail: a.email, fromRole: "USER", toRole: "ADMIN" },
      { action: "change-role", actorId: a.id, actorEmail: a.email, fromRole: "ADMIN", toRole: "USER" },
    ]);
    expect(changes[0]).toMatchObject({ email: u.email, ip: CTX.ip, userAgent: CTX.userAgent });
  });

  it("never demotes the last admin, themselves included", async () => {
    const a = await admin();
    expectAuthError(await rejectionOf(changeUserRole(a.actor, a.id, "USER", CTX)), "forbidden", LAST_ADMIN_MESSAGE);
    expect(await role(a.id)).toBe("ADMIN");
    // With a second admin, self-demotion is allowed; then the other is the last one.
    const b = await admin();
    await changeUserRole(a.actor, a.id, "USER", CTX);
    expectAuthError(await rejectionOf(changeUserRole(b.actor, b.id, "USER", CTX)), "forbidden", LAST_ADMIN_MESSAGE);
    expect(await h.db.user.count({ where: { role: "ADMIN" } })).toBe(1);
  });

  it("leaves exactly one admin when two admins demote each other at the same moment", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await admin();
      const b = await admin();
      const results = await Promise.allSettled([changeUserRole(a.actor, b.id, "USER", CTX), changeUserRole(b.actor, a.id, "USER", CTX)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      // Refused either as no longer an admin, or because the demotion already ended the session.
      expect(["forbidden", "unauthenticated"]).toContain((refused.reason as AuthError).code);
      const admins = await h.db.user.findMany({ where: { role: "ADMIN", id: { in: [a.id, b.id] } } });
      expect(admins).toHaveLength(1);
      // Clean slate for the next round: the survivor leaves the stage.
      await h.db.user.deleteMany({ where: { id: { in: [a.id, b.id] } } });
    }
  });

  it("leaves exactly one admin when two admins delete each other at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const a = await admin();
      const b = await admin();
      const results = await Promise.allSettled([
        deleteUserAccount(a.actor, b.id, b.email, CTX),
        deleteUserAccount(b.actor, a.id, a.email, CTX),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await h.db.user.count({ where: { role: "ADMIN", id: { in: [a.id, b.id] } } })).toBe(1);
      await h.db.user.deleteMany({ where: { id: { in: [a.id, b.id] } } });
    }
  });

  it("answers not-found for an unknown or malformed user id (never a database error)", async () => {
    const a = await admin();
    for (const id of ["0190d2a4-0000-7000-8000-000000000000", "nope", "' OR 1=1 --", ""]) {
      expectAuthError(await rejectionOf(changeUserRole(a.actor, id, "ADMIN", CTX)), "not-found");
      expectAuthError(await rejectionOf(lockUserAccount(a.actor, id, "1h", CTX)), "not-found");
      expectAuthError(await rejectionOf(deleteUserAccount(a.actor, id, "x@y.test", CTX)), "not-found");
      expect(await getUserDetail(a.actor, id, CTX)).toBeNull();
    }
  });
});

describe("lock and unlock", () => {
  it("locks sign-in for the chosen time, ends every session, and records user_updated", async () => {
    const a = await admin();
    const u = await person();
    const second = await sessionFor({ id: u.id, role: "USER" }, CTX);
    const t0 = Date.now();
    const r = await lockUserAccount(a.actor, u.id, "24h", CTX);
    expect(r.revokedSessions).toBe(2);
    expect(r.lockedUntil.getTime() - t0).toBeGreaterThanOrEqual(24 * 3600_000 - 1000);
    expect(r.lockedUntil.getTime() - t0).toBeLessThanOrEqual(24 * 3600_000 + 5000);
    expect(await validateAccessToken(u.tokens.accessToken)).toBeNull();
    expect(await validateAccessToken(second.accessToken)).toBeNull();
    expectAuthError(await rejectionOf(signIn({ email: u.email, password: PASSWORD }, CTX)), "invalid-credentials");
    const [event] = await events("user_updated", { userId: u.id });
    expect(event?.detail).toMatchObject({ action: "lock", duration: "24h", actorId: a.id, revokedSessions: 2 });

    const listed = await listUsers(a.actor, userListQuerySchema.parse({ locked: "yes" }), CTX);
    expect(listed.users.map((x) => x.id)).toEqual([u.id]);
  });

  it("locks until unlocked, and unlock clears the lock and the failure count", async () => {
    const a = await admin();
    const u = await person();
    await h.db.user.update({ where: { id: u.id }, data: { failedLoginCount: 7 } });
    const r = await lockUserAccount(a.actor, u.id, "indefinite", CTX);
    expect(r.lockedUntil).toEqual(LOCKED_INDEFINITELY_UNTIL);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: u.id } })).lockedUntil).toEqual(LOCKED_INDEFINITELY_UNTIL);
    await h.db.user.update({ where: { id: u.id }, data: { failedLoginCount: 4 } });

    await unlockUserAccount(a.actor, u.id, CTX);
    const row = await h.db.user.findUniqueOrThrow({ where: { id: u.id } });
    expect(row.lockedUntil).toBeNull();
    expect(row.failedLoginCount).toBe(0);
    await expect(signIn({ email: u.email, password: PASSWORD }, CTX)).resolves.toMatchObject({ status: "signed-in" });
    const logged = await events("user_updated", { userId: u.id });
    expect(logged.map((e) => (e.detail as { action: string }).action)).toEqual(["lock", "unlock"]);
  });

  it("refuses to lock the acting admin's own account", async () => {
    const a = await admin();
    await admin();
    expectAuthError(await rejectionOf(lockUserAccount(a.actor, a.id, "1h", CTX)), "forbidden");
    expect((await h.db.user.findUniqueOrThrow({ where: { id: a.id } })).lockedUntil).toBeNull();
  });
});

describe("sessions", () => {
  it("ends one session of the user, or all of them, with events naming the admin", async () => {
    const a = await admin();
    const u = await person();
    const s2 = await sessionFor({ id: u.id, role: "USER" }, CTX);
    const s3 = await sessionFor({ id: u.id, role: "USER" }, CTX);
    const bystander = await person();

    await revokeUserSessionAsAdmin(a.actor, u.id, s2.sessionId, CTX);
    expect(await validateAccessToken(s2.accessToken)).toBeNull();
    expect(await validateAccessToken(u.tokens.accessToken)).not.toBeNull();
    // Another user's session through this user's id matches nothing.
    expectAuthError(await rejectionOf(revokeUserSessionAsAdmin(a.actor, u.id, bystander.tokens.sessionId, CTX)), "not-found");
    expectAuthError(await rejectionOf(revokeUserSessionAsAdmin(a.actor, u.id, "junk", CTX)), "not-found");
    expect(await validateAccessToken(bystander.tokens.accessToken)).not.toBeNull();

    expect(await revokeAllUserSessionsAsAdmin(a.actor, u.id, CTX)).toEqual({ count: 2 });
    expect(await validateAccessToken(u.tokens.accessToken)).toBeNull();
    expect(await validateAccessToken(s3.accessToken)).toBeNull();
    expect(await validateAccessToken(bystander.tokens.accessToken)).not.toBeNull();

    const [one] = await events("session_revoked", { userId: u.id });
    expect(one?.detail).toMatchObject({ action: "revoke-session", actorId: a.id, sessionId: s2.sessionId });
    const [all] = await events("session_revoked_all", { userId: u.id });
    expect(all?.detail).toMatchObject({ action: "revoke-all-sessions", actorId: a.id, count: 2 });

    const detail = await getUserDetail(a.actor, u.id, CTX);
    expect(detail?.sessions).toHaveLength(3);
    expect(detail?.sessions.every((s) => !s.live && s.revokedReason === "revoked-by-admin")).toBe(true);
  });
});

describe("mails", () => {
  it("resends a working confirmation code to an unverified user, within the send limits", async () => {
    const a = await admin();
    const u = await person({ verified: false });
    await resendVerificationCodeAsAdmin(a.actor, u.id, CTX);
    const mails = mailsTo(h.sink, u.email);
    expect(mails).toHaveLength(1);
    const code = extractCode(mails[0]!);
    // The code proves the mailbox (this account was made without a signup secret, so the password
    // is not proven to be the mailbox owner's: it is replaced through a mailed link).
    await expect(verifyEmail({ email: u.email, code }, CTX)).resolves.toMatchObject({ status: "set-password", email: u.email });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: u.id } })).emailVerifiedAt).toBeInstanceOf(Date);
    const [event] = await events("authz_admin", { userId: u.id });
    expect(event?.detail).toMatchObject({ action: "resend-verification", actorId: a.id });
    expect(JSON.stringify(event)).not.toContain(code);

    // Verified now: nothing to resend.
    expectAuthError(await rejectionOf(resendVerificationCodeAsAdmin(a.actor, u.id, CTX)), "validation-failed");
    // The per-account cooldown applies to admins too.
    const v = await person({ verified: false });
    await resendVerificationCodeAsAdmin(a.actor, v.id, CTX);
    const err = await rejectionOf(resendVerificationCodeAsAdmin(a.actor, v.id, CTX));
    expectAuthError(err, "rate-limited");
    expect((err as AuthError).retryAfter).toBeGreaterThan(0);
    expect(mailsTo(h.sink, v.email)).toHaveLength(1);
  });

  it("a resend whose mail failed can be tried again at once", async () => {
    const a = await admin();
    const u = await person({ verified: false });
    h.sink.fail(true);
    expectAuthError(await rejectionOf(resendVerificationCodeAsAdmin(a.actor, u.id, CTX)), "mail-unavailable");
    h.sink.fail(false);
    await resendVerificationCodeAsAdmin(a.actor, u.id, CTX);
    expect(mailsTo(h.sink, u.email)).toHaveLength(1);
  });

  it("triggers the user's own password-reset mail through requestPasswordReset", async () => {
    const a = await admin();
    const u = await person();
    await sendPasswordResetAsAdmin(a.actor, u.id, CTX);
    await settleBackgroundTasks();
    const mails = mailsTo(h.sink, u.email);
    expect(mails).toHaveLength(1);
    expect(extractLink(mails[0]!, "/reset-password")).toMatch(/token=/);
    expect(await h.db.resetToken.count({ where: { userId: u.id, usedAt: null } })).toBe(1);
    expect(await events("authn_password_reset_request", { userId: u.id })).toHaveLength(1);
    const [event] = await events("authz_admin", { userId: u.id });
    expect(event?.detail).toMatchObject({ action: "password-reset-mail", actorId: a.id });
  });
});

describe("deleting an account", () => {
  it("needs the user's email typed, then cascades sessions, codes and tokens and keeps the audit rows", async () => {
    const a = await admin();
    const u = await person({ verified: false });
    await sessionFor({ id: u.id, role: "USER" }, CTX);
    await issueOtp(u.id, "VERIFY_EMAIL", u.email);
    await replaceResetToken({ userId: u.id, tokenHash: "a".repeat(64), expiresAt: new Date(Date.now() + 60_000) });
    await signIn({ email: u.email, password: "wrong password entirely" }, CTX).catch(() => {});
    const sessionIds = (await h.db.session.findMany({ where: { userId: u.id } })).map((s) => s.id);
    expect(sessionIds).toHaveLength(2);
    const eventsBefore = await h.db.authEvent.count({ where: { userId: u.id } });
    expect(eventsBefore).toBeGreaterThan(0);

    expectAuthError(await rejectionOf(deleteUserAccount(a.actor, u.id, "someone@else.test", CTX)), "validation-failed");
    expect(await h.db.user.count({ where: { id: u.id } })).toBe(1);

    // Typed with other case and spaces: the same address.
    expect(await deleteUserAccount(a.actor, u.id, `  ${u.email.toUpperCase()} `, CTX)).toEqual({ email: u.email });
    expect(await h.db.user.count({ where: { id: u.id } })).toBe(0);
    expect(await h.db.session.count({ where: { userId: u.id } })).toBe(0);
    expect(await h.db.refreshToken.count({ where: { sessionId: { in: sessionIds } } })).toBe(0);
    expect(await h.db.otpCode.count({ where: { userId: u.id } })).toBe(0);
    expect(await h.db.resetToken.count({ where: { userId: u.id } })).toBe(0);
    expect(await validateAccessToken(u.tokens.accessToken)).toBeNull();

    // The audit trail keeps every event, with the address, no longer linked.
    const kept = await h.db.authEvent.findMany({ where: { email: u.email, type: { not: "user_deleted" } } });
    expect(kept.length).toBe(eventsBefore);
    expect(kept.every((e) => e.userId === null)).toBe(true);
    const [deleted] = await events("user_deleted");
    expect(deleted).toMatchObject({ email: u.email, userId: null });
    expect(deleted?.detail).toMatchObject({ action: "delete-user", actorId: a.id, deletedUserId: u.id, role: "USER" });
    // And the admin still finds them by address.
    const found = await listAuditEvents(a.actor, auditQuerySchema.parse({ email: u.email }), CTX);
    expect(found.events.length).toBe(eventsBefore + 1);
  });

  it("refuses to delete the acting admin's own account", async () => {
    const a = await admin();
    await admin();
    expectAuthError(await rejectionOf(deleteUserAccount(a.actor, a.id, a.email, CTX)), "forbidden");
    expect(await h.db.user.count({ where: { id: a.id } })).toBe(1);
  });
});

describe("searching and filtering users", () => {
  it("matches email or name case-insensitively, email prefixes, and treats % and _ literally", async () => {
    const a = await person({ role: "ADMIN", email: "root@corp.test", name: "Root" });
    const ana = await person({ email: "ana.lima@shop.test", name: "Ana Lima" });
    const bob = await person({ email: "bob_smith@shop.test", name: "Robert ANALYST", verified: false });
    const cat = await person({ email: "cat@zoo.test", name: "Cat 100%" });
    const q = (params: Record<string, string>) => listUsers(a.actor, userListQuerySchema.parse(params), CTX).then((p) => p.users.map((u) => u.id));

    expect(await q({ q: "ANA" })).toEqual([bob.id, ana.id]); // name "ANALYST", email "ana.lima"; newest first
    expect(await q({ q: "shop.TEST" })).toEqual([bob.id, ana.id]);
    expect(await q({ q: "ana", match: "prefix" })).toEqual([ana.id]);
    expect(await q({ q: "BOB_", match: "prefix" })).toEqual([bob.id]);
    expect(await q({ q: "_" })).toEqual([bob.id]); // only the address with an underscore
    expect(await q({ q: "%" })).toEqual([cat.id]); // only the name with a percent sign
    expect(await q({ q: "b%", match: "prefix" })).toEqual([]);
    expect(await q({ q: "nobody" })).toEqual([]);
    expect(await q({ role: "ADMIN" })).toEqual([a.id]);
    expect(await q({ verified: "no" })).toEqual([bob.id]);
    expect(await q({ verified: "yes", role: "USER" })).toEqual([cat.id, ana.id]);
    expect(await q({})).toEqual([cat.id, bob.id, ana.id, a.id]);

    // Expired locks do not count as locked.
    await h.db.user.update({ where: { id: cat.id }, data: { lockedUntil: new Date(Date.now() - 1000) } });
    await h.db.user.update({ where: { id: ana.id }, data: { lockedUntil: new Date(Date.now() + 60_000) } });
    expect(await q({ locked: "yes" })).toEqual([ana.id]);
    expect(await q({ locked: "no", q: "shop" })).toEqual([bob.id]);

    const page = await listUsers(a.actor, userListQuerySchema.parse({ q: "ana" }), CTX);
    expect(page.users.find((u) => u.id === ana.id)).toMatchObject({ email: "ana.lima@shop.test", name: "Ana Lima", role: "USER", verified: true, locked: true });
    expect(Object.keys(page.users[0]!)).not.toContain("passwordHash");
  });

  it("pages newest first without overlap, forwards and back", async () => {
    const a = await admin();
    const base = Date.now() - 1_000_000;
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const u = await createUser({ email: uniqueEmail("page"), name: `Page ${i}`, passwordHash });
      // Triples share a creation time: ties are broken by id.
      await h.db.user.update({ where: { id: u.id }, data: { createdAt: new Date(base + Math.floor(i / 3) * 1000) } });
      ids.push(u.id);
    }
    const seen: string[] = [];
    let after: string | null = null;
    const pages: string[][] = [];
    const nexts: Array<string | null> = [];
    do {
      const params: Record<string, string> = { limit: "5", q: "page-" };
      if (after) params.after = after;
      const p = await listUsers(a.actor, userListQuerySchema.parse(params), CTX);
      pages.push(p.users.map((u) => u.id));
      seen.push(...p.users.map((u) => u.id));
      expect(p.previous === null).toBe(pages.length === 1);
      nexts.push(p.next);
      after = p.next;
    } while (after);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    expect(new Set(seen).size).toBe(23);
    const expected = await h.db.user.findMany({
      where: { id: { in: ids } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    expect(seen).toEqual(expected.map((u) => u.id));

    // Back from the last page: the same pages, in reverse.
    const last = await listUsers(a.actor, userListQuerySchema.parse({ limit: "5", q: "page-", after: nexts[3]! }), CTX);
    expect(last.users.map((u) => u.id)).toEqual(pages[4]);
    let before = last.previous;
    for (let i = 3; i >= 0; i--) {
      const back = await listUsers(a.actor, userListQuerySchema.parse({ limit: "5", q: "page-", before: before! }), CTX);
      expect(back.users.map((u) => u.id)).toEqual(pages[i]);
      expect(back.next).not.toBeNull();
      before = back.previous;
    }
    expect(before).toBeNull();
  });

  it("parses the page's query leniently: a bad value is dropped and named, the rest applies", () => {
    const r = parseAdminQuery(userListQuerySchema, { role: "ROOT", q: ["ana", "bob"], verified: "yes", after: "garbage", limit: "5000" });
    expect(r.data).toMatchObject({ q: "ana", verified: true, match: "contains", limit: 50 });
    expect(r.data.role).toBeUndefined();
    expect(r.data.after).toBeUndefined();
    expect(r.invalid.sort()).toEqual(["after", "limit", "role"]);
  });
});

describe("the audit list", () => {
  it("filters by type, email, IP and UTC day range, newest first, in non-overlapping pages", async () => {
    const a = await admin();
    const u = await person();
    const day = (d: string, hh: number) => new Date(`${d}T${String(hh).padStart(2, "0")}:00:00.000Z`);
    await h.db.authEvent.createMany({
      data: [
        { type: "authn_login_fail", email: u.email, userId: u.id, ip: "198.51.100.1", createdAt: day("2026-03-01", 10) },
        { type: "authn_login_fail", email: u.email, userId: u.id, ip: "198.51.100.2", createdAt: day("2026-03-02", 23) },
        { type: "authn_login_success", email: u.email, userId: u.id, ip: "198.51.100.1", createdAt: day("2026-03-03", 0) },
        { type: "authn_login_fail", email: "ghost@gone.test", ip: "198.51.100.1", createdAt: day("2026-03-02", 1) },
      ],
    });
    const list = (params: Record<string, string>) =>
      listAuditEvents(a.actor, parseAdminQuery(auditQuerySchema, params).data, CTX).then((p) => p.events.map((e) => `${e.type}@${e.createdAt.toISOString().slice(0, 13)}`));

    expect(await list({ type: "authn_login_fail" })).toEqual(["authn_login_fail@2026-03-02T23", "authn_login_fail@2026-03-02T01", "authn_login_fail@2026-03-01T10"]);
    expect(await list({ email: u.email.toUpperCase(), from: "2026-01-01", to: "2026-12-31" })).toEqual([
      "authn_login_success@2026-03-03T00",
      "authn_login_fail@2026-03-02T23",
      "authn_login_fail@2026-03-01T10",
    ]);
    expect(await list({ email: "ghost@gone.test" })).toEqual(["authn_login_fail@2026-03-02T01"]);
    expect(await list({ ip: "198.51.100.1", to: "2026-12-31" })).toEqual([
      "authn_login_success@2026-03-03T00",
      "authn_login_fail@2026-03-02T01",
      "authn_login_fail@2026-03-01T10",
    ]);
    // `to` includes its whole day; `from` starts at its midnight (UTC).
    expect(await list({ from: "2026-03-02", to: "2026-03-02" })).toEqual(["authn_login_fail@2026-03-02T23", "authn_login_fail@2026-03-02T01"]);

    // Pages of 2 over every event (including the ones the admin calls recorded): no overlap, no gap.
    const all = await h.db.authEvent.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const p: Awaited<ReturnType<typeof listAuditEvents>> = await listAuditEvents(a.actor, parseAdminQuery(auditQuerySchema, { limit: "2", ...(after ? { after } : {}) }).data, CTX);
      seen.push(...p.events.map((e) => e.id));
      after = p.next;
    } while (after);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("neutralises a formula behind leading spaces, a tab or a CR in CSV fields (OWASP CSV injection)", () => {
    for (const value of [" =1+2", "   @SUM(A1)", " -2+3", "  +cmd", "\t=1+2", "\r=1+2", "\tplain", "\rplain", " \t=HYPERLINK(1)"]) {
      expect({ value, field: csvField(value) }).toEqual({ value, field: `"'${value}"` });
    }
    for (const value of ["plain", " plain", "a=b", "user@example.test", ""]) {
      expect({ value, field: csvField(value) }).toEqual({ value, field: `"${value}"` });
    }
  });

  it("exports CSV with every field quoted and formula-looking values neutralised", async () => {
    const a = await admin();
    await h.db.authEvent.create({
      data: {
        type: "authn_login_fail",
        email: "=cmd|' /C calc'!A0@evil.test",
        ip: "-1+1",
        userAgent: '@SUM(1,2) "quoted", with comma',
        requestId: "+danger",
        detail: { note: "=HYPERLINK(\"http://x\")" },
      },
    });
    const lines = await exportAuditCsv(a.actor, auditQuerySchema.parse({ type: "authn_login_fail" }), CTX);
    let csv = "";
    for await (const line of lines) csv += line;
    const rows = csv.trimEnd().split("\r\n");
    expect(rows[0]).toBe('"created_at","type","email","user_id","ip","user_agent","request_id","detail"');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain(`"'=cmd|' /C calc'!A0@evil.test"`);
    expect(rows[1]).toContain(`"'-1+1"`);
    expect(rows[1]).toContain(`"'@SUM(1,2) ""quoted"", with comma"`);
    expect(rows[1]).toContain(`"'+danger"`);
    expect(rows[1]).toContain(`"{""note"":""=HYPERLINK(\\""http://x\\"")""}"`);
    // The export itself is on record, with the admin's filters.
    const [event] = await events("authz_admin", { userId: a.id });
    expect(event?.detail).toMatchObject({ action: "audit-export", actorId: a.id });
  });
});
