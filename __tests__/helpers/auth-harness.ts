import type { AddressObject, ParsedMail } from "mailparser";
import { registerAccount, verifyEmail } from "@/lib/auth/accounts";
import { createSession, type TokenPair } from "@/lib/auth/session";
import { getDb } from "@/lib/db/client";
import type { Db } from "@/lib/db/client";
import { resetEnvForTests } from "@/lib/env";
import { resetMailTransportForTests } from "@/lib/mail/transport";
import { signUpSchema, verifyEmailSchema } from "@/lib/validation/auth";
import { openTestDb, resetTestDb, type TestDb } from "./db";
import { extractCode, startSmtpSink, type SmtpSink } from "./smtp-sink";

/**
 * Shared set-up for the auth integration tests: one database and one SMTP sink
 * per test file (beforeAll), empty tables before each test, settings restored
 * after each test. The lib functions are called directly with CTX.
 */

export const CTX = { ip: "203.0.113.7", userAgent: "jest", requestId: "test" };
/** Passes zxcvbn (score ≥ 3) and the 15-character minimum. */
export const PASSWORD = "correct horse battery staple 42!";
export const OTHER_PASSWORD = "violet kettle drums under 9 moons";

export type AuthHarness = {
  readonly db: Db;
  readonly kind: TestDb["kind"];
  readonly sink: SmtpSink;
  /** Change settings for this test (restored after it); the env and mail caches forget the old values. */
  setEnv(vars: Record<string, string | undefined>): void;
};

const original = { ...process.env };

function applyEnv(vars: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetEnvForTests();
  resetMailTransportForTests();
}

function restoreEnv(extra: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) if (!(key in original)) delete process.env[key];
  Object.assign(process.env, original);
  applyEnv(extra);
}

/** Registers the hooks; call once at the top of a test file. */
export function setupAuthHarness(): AuthHarness {
  // The project's testTimeout is not applied per project; flows with dozens of mails need more than 5 s.
  jest.setTimeout(60_000);
  let t: TestDb | undefined;
  let sink: SmtpSink | undefined;
  const base = (): Record<string, string | undefined> => ({ SMTP_URL: sink?.url, APP_URL: "http://localhost:3000" });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await openTestDb();
    restoreEnv(base());
  });
  beforeEach(async () => {
    sink!.fail(false);
    await resetTestDb(t!.db);
  });
  afterEach(() => restoreEnv(base()));
  afterAll(async () => {
    restoreEnv({});
    await t?.close();
    await sink?.close();
  });

  return {
    get db() {
      if (!t) throw new Error("database not open yet");
      return t.db;
    },
    get kind() {
      if (!t) throw new Error("database not open yet");
      return t.kind;
    },
    get sink() {
      if (!sink) throw new Error("sink not started yet");
      return sink;
    },
    setEnv: applyEnv,
  };
}

let counter = 0;
/** A fresh address per call: the sink keeps every mail of the file. */
export function uniqueEmail(tag = "user"): string {
  counter += 1;
  return `${tag}-${counter}-${process.pid}@example.test`;
}

export function recipients(m: ParsedMail): string[] {
  const to: AddressObject[] = m.to === undefined ? [] : Array.isArray(m.to) ? m.to : [m.to];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? "").toLowerCase()));
}

export function mailsTo(sink: SmtpSink, address: string): ParsedMail[] {
  return sink.mails.filter((m) => recipients(m).includes(address.toLowerCase()));
}

/** The code in the newest mail to `address` (sends resolve after the sink stored the mail). */
export function latestCode(sink: SmtpSink, address: string): string {
  const all = mailsTo(sink, address);
  const last = all[all.length - 1];
  if (!last) throw new Error(`no mail to ${address}`);
  return extractCode(last);
}

/** Any 6-digit code other than `code`. */
export function wrongCode(code: string, offset = 1): string {
  return ((Number(code) + offset) % 1_000_000).toString().padStart(6, "0");
}

/** Sign up through the shared schema, as the action and the route handler do. */
export async function signUp(
  email: string,
  opts: { password?: string; name?: string; ip?: string } = {},
): Promise<{ email: string; registration: string }> {
  const input = signUpSchema.parse({ email, name: opts.name ?? "Ana Tester", password: opts.password ?? PASSWORD });
  return registerAccount(input, { ...CTX, ip: opts.ip ?? CTX.ip });
}

/** Sign up and confirm with the mailed code: a verified, signed-in user. */
export async function createVerifiedUser(
  sink: SmtpSink,
  email: string,
  password = PASSWORD,
): Promise<{ email: string; tokens: TokenPair }> {
  const { email: normalised, registration } = await signUp(email, { password });
  const result = await verifyEmail({ ...verifyEmailSchema.parse({ email: normalised, code: latestCode(sink, normalised) }), registration }, CTX);
  if (result.status !== "signed-in") throw new Error(`verification did not sign in: ${result.status}`);
  return { email: normalised, tokens: result.tokens };
}

/**
 * A session for a user made straight in the table, as a successful sign-in
 * makes it (conditional on the user's current credentials version). No flow
 * gives an unverified user a session; tests that need one (an admin acting on
 * an unverified target that is also signed in) get it by verifying the row
 * for the moment of the insert. Throws when refused (a lock).
 */
export async function sessionFor(
  user: { id: string; role: "USER" | "ADMIN" },
  ctx: { ip?: string; userAgent?: string | null; requestId?: string } = CTX,
): Promise<TokenPair> {
  const db = await getDb();
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { securityVersion: true, emailVerifiedAt: true } });
  if (!row.emailVerifiedAt) await db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
  const tokens = await createSession(user, { kind: "sign-in", securityVersion: row.securityVersion }, ctx);
  if (!row.emailVerifiedAt) await db.user.update({ where: { id: user.id }, data: { emailVerifiedAt: null } });
  if (!tokens) throw new Error("session refused: the user is locked");
  return tokens;
}

/** Every row of a table as JSON text (to look for secrets in any column). */
export async function tableText(db: Db, table: string): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ j: string }>>(`SELECT row_to_json(t)::text AS j FROM "${table}" t`);
  return rows.map((r) => r.j);
}

export const ALL_TABLES = ["users", "otp_codes", "reset_tokens", "sessions", "refresh_tokens", "auth_events", "rate_limits"];

export async function allDbText(db: Db): Promise<string> {
  const parts = await Promise.all(ALL_TABLES.map((t) => tableText(db, t)));
  return parts.flat().join("\n");
}

/**
 * Make a rate-limit window end now, as if its time had passed (keys are
 * `${rule}:${key}`, see lib/auth/rate-limit.ts). Returns how many rows moved.
 */
export async function expireLimit(db: Db, rule: string, key: string): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE "rate_limits" SET "expire" = now() - interval '1 second' WHERE "key" = $1`,
    `${rule}:${key}`,
  );
}

/**
 * Let a minute pass for the rate limits: every window that would end within
 * the next 61 seconds (resend cooldowns, per-IP minutes) ends now; hourly
 * windows keep running. Independent of which keys the code under test uses.
 */
export async function passOneMinute(db: Db): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE "rate_limits" SET "expire" = now() - interval '1 millisecond' WHERE "expire" <= now() + interval '61 seconds'`,
  );
}

/** Capture a rejection (or fail when the promise resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to be rejected, but it resolved");
}

/** What a caller can observe of an error: everything that reaches an answer. */
export function observable(err: unknown): Record<string, unknown> {
  const e = err as { name?: unknown; code?: unknown; message?: unknown; status?: unknown; retryAfter?: unknown };
  return {
    constructor: (err as object | null)?.constructor?.name,
    name: e.name,
    code: e.code,
    message: e.message,
    status: e.status,
    retryAfter: e.retryAfter,
  };
}
