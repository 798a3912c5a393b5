import { signIn } from "@/lib/auth/accounts";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { AuthError } from "@/lib/auth/errors";
import {
  CURRENT_PASSWORD_WRONG_MESSAGE,
  changeName,
  changePassword,
  confirmEmailChange,
  describeDevice,
  getPendingEmailChange,
  listActivity,
  listSessions,
  requestEmailChange,
  revokeOtherSessions,
  revokeOwnSession,
  type Actor,
} from "@/lib/auth/profile";
import { checkResetToken, requestPasswordReset } from "@/lib/auth/recovery";
import { validateAccessToken, type TokenPair } from "@/lib/auth/session";
import { recordEvent } from "@/lib/data/audit";
import { ACTIVITY_PAGE_SIZE } from "@/lib/validation/account";
import { extractCode, extractLink } from "../helpers/smtp-sink";
import {
  CTX,
  OTHER_PASSWORD,
  PASSWORD,
  allDbText,
  createVerifiedUser,
  mailsTo,
  observable,
  rejectionOf,
  setupAuthHarness,
  uniqueEmail,
  wrongCode, sessionFor } from "../helpers/auth-harness";

const h = setupAuthHarness();

afterEach(async () => {
  // Code mails go out after the answer: let them finish before the next test empties the tables.
  await settleBackgroundTasks();
});

const FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const NEW_PASSWORD = "amber walrus recites 7 sonnets";

type Person = { email: string; userId: string; tokens: TokenPair; actor: Actor };

async function person(tag: string): Promise<Person> {
  const { email, tokens } = await createVerifiedUser(h.sink, uniqueEmail(tag));
  return { email, userId: tokens.userId, tokens, actor: { userId: tokens.userId, sessionId: tokens.sessionId } };
}

async function otherDevice(p: Person, userAgent = FIREFOX_WINDOWS, ip = "198.51.100.9"): Promise<TokenPair> {
  return sessionFor({ id: p.userId, role: "USER" }, { ...CTX, userAgent, ip });
}

async function canSignIn(email: string, password: string): Promise<boolean> {
  try {
    return (await signIn({ email, password }, { ...CTX, ip: "198.51.100.201" })).status === "signed-in";
  } catch (err) {
    if (err instanceof AuthError && err.code === "invalid-credentials") return false;
    throw err;
  }
}

const subjectMatches = (re: RegExp) => (address: string) => mailsTo(h.sink, address).filter((m) => re.test(m.subject ?? ""));
const codeMailsTo = subjectMatches(/email change code/);
const passwordChangedMailsTo = subjectMatches(/password was changed/);
const emailChangedMailsTo = subjectMatches(/email address was changed/);

describe("changeName", () => {
  it("saves a trimmed name and records the change", async () => {
    const p = await person("name");
    await expect(changeName(p.actor, { name: "  Ana María  " }, CTX)).resolves.toEqual({ name: "Ana María" });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: p.userId } })).name).toBe("Ana María");
    expect(await h.db.authEvent.count({ where: { userId: p.userId, type: "user_updated" } })).toBe(1);
  });

  it("refuses control characters and over-long names", async () => {
    const p = await person("badname");
    for (const name of ["Ana\r\nBcc: x@evil.test", "", "x".repeat(101)]) {
      expect(observable(await rejectionOf(changeName(p.actor, { name }, CTX)))).toMatchObject({ code: "validation-failed" });
    }
    expect((await h.db.user.findUniqueOrThrow({ where: { id: p.userId } })).name).toBe("Ana Tester");
  });
});

describe("changePassword", () => {
  it("needs the current password; a wrong one changes nothing and is recorded", async () => {
    const p = await person("wrongcur");
    const other = await otherDevice(p);
    const err = await rejectionOf(changePassword(p.actor, { currentPassword: OTHER_PASSWORD, password: NEW_PASSWORD }, CTX));
    expect(observable(err)).toMatchObject({ code: "invalid-credentials", message: CURRENT_PASSWORD_WRONG_MESSAGE });
    expect(await canSignIn(p.email, PASSWORD)).toBe(true);
    expect(await validateAccessToken(other.accessToken)).not.toBeNull();
    expect(passwordChangedMailsTo(p.email)).toHaveLength(0);
    expect(await h.db.authEvent.count({ where: { userId: p.userId, type: "authn_password_change_fail" } })).toBe(1);
  });

  it("sets the new password, revokes every OTHER session at once, keeps this one, and mails a notice", async () => {
    const p = await person("change");
    const other = await otherDevice(p);
    const third = await otherDevice(p, SAFARI_IPHONE);
    const someoneElse = await person("bystander");

    const result = await changePassword(p.actor, { currentPassword: PASSWORD, password: NEW_PASSWORD }, CTX);

    expect(result).toEqual({ revokedSessions: 2 });
    expect(await validateAccessToken(other.accessToken)).toBeNull();
    expect(await validateAccessToken(third.accessToken)).toBeNull();
    expect(await validateAccessToken(p.tokens.accessToken)).not.toBeNull(); // this device stays signed in
    expect(await validateAccessToken(someoneElse.tokens.accessToken)).not.toBeNull();
    expect(await canSignIn(p.email, PASSWORD)).toBe(false);
    expect(await canSignIn(p.email, NEW_PASSWORD)).toBe(true);

    const [notice] = passwordChangedMailsTo(p.email);
    expect(notice?.text).toContain("Your other devices were signed out");
    expect(passwordChangedMailsTo(someoneElse.email)).toHaveLength(0);
    const events = await h.db.authEvent.findMany({ where: { userId: p.userId, type: "authn_password_change" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toEqual({ revokedSessions: 2 });
    expect(await allDbText(h.db)).not.toContain(NEW_PASSWORD);
  });

  it("kills a reset link that was mailed before the change", async () => {
    const p = await person("resetlink");
    await requestPasswordReset(p.email, CTX);
    await settleBackgroundTasks();
    const link = extractLink(mailsTo(h.sink, p.email).at(-1)!, "/reset-password");
    const token = new URL(link).searchParams.get("token")!;
    expect(await checkResetToken(token)).toMatchObject({ valid: true });

    await changePassword(p.actor, { currentPassword: PASSWORD, password: NEW_PASSWORD }, CTX);
    expect(await checkResetToken(token)).toEqual({ valid: false });
  });

  it("applies the shared rules to the new password, with the reason", async () => {
    const p = await person("weaknew");
    const weak = await rejectionOf(changePassword(p.actor, { currentPassword: PASSWORD, password: "passwordpassword1" }, CTX));
    expect(observable(weak)).toMatchObject({ constructor: "WeakPasswordError", code: "validation-failed" });
    // The user's own address is a guessable password.
    const own = await rejectionOf(changePassword(p.actor, { currentPassword: PASSWORD, password: `${p.email}${p.email}` }, CTX));
    expect(observable(own)).toMatchObject({ code: "validation-failed" });
    const short = await rejectionOf(changePassword(p.actor, { currentPassword: PASSWORD, password: "too short" }, CTX));
    expect(observable(short)).toMatchObject({ code: "validation-failed", message: "Use at least 15 characters" });
    expect(await canSignIn(p.email, PASSWORD)).toBe(true);
  });

  it("stops checking current passwords after 10 wrong ones in an hour, even the right one", async () => {
    const p = await person("guess");
    for (let i = 0; i < 10; i++) {
      const ctx = { ...CTX, ip: `192.0.2.${i + 1}` }; // spread over IPs: the per-account budget still holds
      const err = await rejectionOf(changePassword(p.actor, { currentPassword: `wrong guess ${i}`, password: NEW_PASSWORD }, ctx));
      expect(observable(err)).toMatchObject({ code: "invalid-credentials" });
    }
    const blocked = await rejectionOf(changePassword(p.actor, { currentPassword: PASSWORD, password: NEW_PASSWORD }, CTX));
    expect(observable(blocked)).toMatchObject({ code: "rate-limited", status: 429 });
    expect(await canSignIn(p.email, PASSWORD)).toBe(true);
  });
});

describe("email change", () => {
  async function requestChange(p: Person, newEmail: string, currentPassword = PASSWORD) {
    const result = await requestEmailChange(p.actor, { newEmail, currentPassword }, CTX);
    await settleBackgroundTasks();
    return result;
  }

  it("sends a code to the NEW address only and keeps the old address until the code is entered", async () => {
    const p = await person("move");
    const target = uniqueEmail("target");

    await expect(requestChange(p, target)).resolves.toEqual({ pendingEmail: target, expiresInMinutes: 10 });

    expect(codeMailsTo(target)).toHaveLength(1);
    expect(codeMailsTo(p.email)).toHaveLength(0);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: p.userId } })).email).toBe(p.email);
    expect(await getPendingEmailChange(p.actor)).toMatchObject({ email: target });

    const code = extractCode(codeMailsTo(target)[0]!);
    await expect(confirmEmailChange(p.actor, { code }, CTX)).resolves.toEqual({ email: target });

    const user = await h.db.user.findUniqueOrThrow({ where: { id: p.userId } });
    expect(user.email).toBe(target);
    expect(user.emailVerifiedAt).toBeInstanceOf(Date);
    expect(await getPendingEmailChange(p.actor)).toBeNull();
    // The OLD address is told, and names the new one; the new address gets no notice.
    const [notice] = emailChangedMailsTo(p.email);
    expect(notice?.text).toContain(target);
    expect(emailChangedMailsTo(target)).toHaveLength(0);
    expect(await h.db.authEvent.count({ where: { userId: p.userId, type: "user_email_changed" } })).toBe(1);
    expect(await canSignIn(target, PASSWORD)).toBe(true);
    expect(await canSignIn(p.email, PASSWORD)).toBe(false);
  });

  it("keeps the old address after a wrong code, and the right code still works afterwards", async () => {
    const p = await person("wrongcode");
    const target = uniqueEmail("target");
    await requestChange(p, target);
    const code = extractCode(codeMailsTo(target)[0]!);

    const err = await rejectionOf(confirmEmailChange(p.actor, { code: wrongCode(code) }, CTX));
    expect(observable(err)).toMatchObject({ code: "invalid-code" });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: p.userId } })).email).toBe(p.email);
    expect(emailChangedMailsTo(p.email)).toHaveLength(0);

    await confirmEmailChange(p.actor, { code }, CTX);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: p.userId } })).email).toBe(target);
  });

  it("needs the current password before sending any code", async () => {
    const p = await person("nopass");
    const target = uniqueEmail("target");
    const err = await rejectionOf(requestChange(p, target, OTHER_PASSWORD));
    expect(observable(err)).toMatchObject({ code: "invalid-credentials", message: CURRENT_PASSWORD_WRONG_MESSAGE });
    expect(mailsTo(h.sink, target)).toHaveLength(0);
    expect(await getPendingEmailChange(p.actor)).toBeNull();
  });

  it("a code cannot move another account, and is bound to the address it was sent to", async () => {
    const a = await person("bound-a");
    const b = await person("bound-b");
    const target = uniqueEmail("target");
    await requestChange(a, target);
    const code = extractCode(codeMailsTo(target)[0]!);
    expect(observable(await rejectionOf(confirmEmailChange(b.actor, { code }, CTX)))).toMatchObject({ code: "code-expired" });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: b.userId } })).email).toBe(b.email);
    // A newer request for another address replaces the code: the first one is dead.
    await h.db.$executeRawUnsafe(`DELETE FROM "rate_limits" WHERE "key" LIKE 'otpSend%'`);
    const second = uniqueEmail("second");
    await requestChange(a, second);
    expect(observable(await rejectionOf(confirmEmailChange(a.actor, { code }, CTX)))).toMatchObject({
      code: expect.stringMatching(/invalid-code|code-expired/),
    });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: a.userId } })).email).toBe(a.email);
  });

  it("answers a taken address exactly like a free one, and sends the taken address nothing", async () => {
    const owner = await person("owner");
    const asker = await person("asker");
    const control = await person("control");
    const free = uniqueEmail("free");

    const takenAnswer = await requestChange(asker, owner.email.toUpperCase());
    const freeAnswer = await requestChange(control, free);

    expect(takenAnswer).toEqual({ ...freeAnswer, pendingEmail: owner.email });
    expect(Object.keys(takenAnswer).sort()).toEqual(Object.keys(freeAnswer).sort());
    expect(codeMailsTo(free)).toHaveLength(1);
    expect(codeMailsTo(owner.email)).toHaveLength(0);
    expect(mailsTo(h.sink, owner.email).length).toBe(1); // only the sign-up code from long ago

    // The confirm step answers alike too: a guessed code is "invalid" for both, never "expired".
    const guess = "123456";
    const takenConfirm = observable(await rejectionOf(confirmEmailChange(asker.actor, { code: guess }, CTX)));
    const freeCode = extractCode(codeMailsTo(free)[0]!);
    const freeConfirm = observable(
      await rejectionOf(confirmEmailChange(control.actor, { code: freeCode === guess ? wrongCode(guess) : guess }, CTX)),
    );
    expect(takenConfirm).toEqual(freeConfirm);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: asker.userId } })).email).toBe(asker.email);
  });

  it("refuses the address the account already has", async () => {
    const p = await person("same");
    expect(observable(await rejectionOf(requestChange(p, p.email)))).toMatchObject({ code: "validation-failed" });
  });

  it("kills reset links mailed to the old address", async () => {
    const p = await person("oldlink");
    await requestPasswordReset(p.email, CTX);
    await settleBackgroundTasks();
    const token = new URL(extractLink(mailsTo(h.sink, p.email).at(-1)!, "/reset-password")).searchParams.get("token")!;
    const target = uniqueEmail("target");
    await requestChange(p, target);
    await confirmEmailChange(p.actor, { code: extractCode(codeMailsTo(target)[0]!) }, CTX);
    expect(await checkResetToken(token)).toEqual({ valid: false });
  });
});

describe("sessions", () => {
  it("lists every live session with its device, IP and times, this device first and marked", async () => {
    const p = await person("list");
    const laptop = await otherDevice(p, FIREFOX_WINDOWS, "198.51.100.23");
    const phone = await otherDevice(p, SAFARI_IPHONE, "198.51.100.24");
    const gone = await otherDevice(p);
    await revokeOwnSession(p.actor, gone.sessionId, CTX);
    await person("stranger");

    const sessions = await listSessions(p.actor);

    expect(sessions.map((s) => s.id).sort()).toEqual([p.tokens.sessionId, laptop.sessionId, phone.sessionId].sort());
    expect(sessions[0]).toMatchObject({ id: p.tokens.sessionId, current: true });
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const firefox = sessions.find((s) => s.id === laptop.sessionId)!;
    expect(firefox).toMatchObject({ current: false, ip: "198.51.100.23" });
    expect(firefox.device).toMatchObject({ browser: "Firefox 128", os: "Windows 10", label: "Firefox 128 on Windows 10" });
    expect(firefox.createdAt).toBeInstanceOf(Date);
    expect(firefox.lastUsedAt).toBeInstanceOf(Date);
    const safari = sessions.find((s) => s.id === phone.sessionId)!;
    expect(safari.device).toMatchObject({ type: "mobile" });
    expect(safari.device.label).toMatch(/Safari .* on iOS/);
  });

  it("revokes one of the user's own sessions at once", async () => {
    const p = await person("revoke");
    const other = await otherDevice(p);
    await expect(revokeOwnSession(p.actor, other.sessionId, CTX)).resolves.toEqual({ current: false });
    expect(await validateAccessToken(other.accessToken)).toBeNull();
    expect(await validateAccessToken(p.tokens.accessToken)).not.toBeNull();
    expect(await h.db.authEvent.count({ where: { userId: p.userId, type: "session_revoked" } })).toBe(1);
  });

  it("refuses another user's session id like an unknown one, and leaves that session alone", async () => {
    const attacker = await person("attacker");
    const victim = await person("victim");
    const err = await rejectionOf(revokeOwnSession(attacker.actor, victim.tokens.sessionId, CTX));
    const unknown = await rejectionOf(revokeOwnSession(attacker.actor, "0198f0c2-1111-7222-8333-944455556666", CTX));
    expect(observable(err)).toMatchObject({ code: "not-found", status: 404 });
    expect(observable(err)).toEqual(observable(unknown));
    expect(await validateAccessToken(victim.tokens.accessToken)).not.toBeNull();
    expect((await h.db.session.findUniqueOrThrow({ where: { id: victim.tokens.sessionId } })).revokedAt).toBeNull();
  });

  it("answers malformed and already-ended session ids with not-found, never a database error", async () => {
    const p = await person("malformed");
    const other = await otherDevice(p);
    await revokeOwnSession(p.actor, other.sessionId, CTX);
    for (const id of ["", "not-a-uuid", "' OR 1=1 --", other.sessionId]) {
      expect(observable(await rejectionOf(revokeOwnSession(p.actor, id, CTX)))).toMatchObject({ code: "not-found" });
    }
  });

  it("says when the current session itself was revoked", async () => {
    const p = await person("self");
    await expect(revokeOwnSession(p.actor, p.tokens.sessionId, CTX)).resolves.toEqual({ current: true });
    expect(await validateAccessToken(p.tokens.accessToken)).toBeNull();
  });

  it("revokes every other session, keeping this one and other users' sessions", async () => {
    const p = await person("others");
    const a = await otherDevice(p);
    const b = await otherDevice(p, SAFARI_IPHONE);
    const bystander = await person("bystander");
    await expect(revokeOtherSessions(p.actor, CTX)).resolves.toEqual({ count: 2 });
    expect(await validateAccessToken(a.accessToken)).toBeNull();
    expect(await validateAccessToken(b.accessToken)).toBeNull();
    expect(await validateAccessToken(p.tokens.accessToken)).not.toBeNull();
    expect(await validateAccessToken(bystander.tokens.accessToken)).not.toBeNull();
    expect((await listSessions(p.actor)).map((s) => s.id)).toEqual([p.tokens.sessionId]);
  });
});

describe("activity", () => {
  it("lists only the user's own events, newest first, 20 per page", async () => {
    const p = await person("activity");
    const stranger = await person("stranger");
    await h.db.authEvent.deleteMany({});
    const base = Date.now() - 3_600_000;
    // 45 events a second apart, plus the stranger's, interleaved.
    for (let i = 0; i < 45; i++) {
      await h.db.authEvent.create({
        data: { type: "authn_login_success", userId: p.userId, createdAt: new Date(base + i * 1000), userAgent: FIREFOX_WINDOWS, ip: "198.51.100.5" },
      });
      await h.db.authEvent.create({ data: { type: "authn_login_fail", userId: stranger.userId, createdAt: new Date(base + i * 1000 + 500) } });
    }

    const first = await listActivity(p.actor);
    const second = await listActivity(p.actor, { page: 2 });
    const third = await listActivity(p.actor, { page: 3 });
    const beyond = await listActivity(p.actor, { page: 4 });

    expect(ACTIVITY_PAGE_SIZE).toBe(20);
    expect(first).toMatchObject({ page: 1, pageSize: 20, hasPrevious: false, hasNext: true });
    expect(second).toMatchObject({ page: 2, hasPrevious: true, hasNext: true });
    expect(third).toMatchObject({ page: 3, hasPrevious: true, hasNext: false });
    expect(first.items).toHaveLength(20);
    expect(third.items).toHaveLength(5);
    expect(beyond.items).toHaveLength(0);

    const all = [...first.items, ...second.items, ...third.items];
    expect(new Set(all.map((e) => e.id)).size).toBe(45);
    expect(all.every((e) => e.type === "authn_login_success")).toBe(true);
    const times = all.map((e) => e.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(all[0]!.createdAt.getTime()).toBe(base + 44_000);
    expect(all[0]!.device.label).toBe("Firefox 128 on Windows 10");
    expect(all[0]!.ip).toBe("198.51.100.5");
  });

  it("shows what the flows record, and clamps odd page numbers", async () => {
    const p = await person("flows");
    await changeName(p.actor, { name: "Ana B" }, CTX);
    await recordEvent("logout", CTX, { userId: p.userId });
    const page = await listActivity(p.actor, { page: -3 });
    expect(page.page).toBe(1);
    expect(page.items[0]!.type).toBe("logout");
    expect(page.items.map((e) => e.type)).toEqual(
      expect.arrayContaining(["user_updated", "authn_login_success", "authn_email_verified", "user_created"]),
    );
    expect((await listActivity(p.actor, { page: Number.NaN })).page).toBe(1);
  });
});

describe("describeDevice", () => {
  it("reads browser and OS, and says so when it cannot", () => {
    expect(describeDevice(FIREFOX_WINDOWS).label).toBe("Firefox 128 on Windows 10");
    expect(describeDevice(null).label).toBe("Unknown device");
    expect(describeDevice("jest").label).toBe("Unknown device");
  });
});
