import type { Answer, Api } from "./client";
import { codeIn, type MailSink } from "./mail-sink";

/**
 * One person's journey through the API, as in the README walk-through:
 * register → code from the real mail → verify → token (password grant) →
 * token (refresh_token grant) → GET /api/me (Bearer) → logout.
 */

export const PASSWORD = "violet lantern orbit 9 harbor";

export type Tokens = { access: string; refresh: string };

/** A step answered something the journey cannot go on with. */
export class StepFailed extends Error {
  constructor(
    readonly step: Step,
    readonly answer: Answer,
  ) {
    super(`${step}: ${answer.status}${answer.error ? ` (${answer.error})` : ""} ${answer.text.slice(0, 200)}`);
    this.name = "StepFailed";
  }
}

export type Step = "register" | "mail" | "verify" | "sign-in" | "refresh" | "me" | "sign-out";

function expect(step: Step, a: Answer, status: number): Answer {
  if (a.status !== status) throw new StepFailed(step, a);
  return a;
}

function tokensOf(step: Step, a: Answer): Tokens {
  const access = a.json?.access_token;
  const refresh = a.json?.refresh_token;
  if (typeof access !== "string" || typeof refresh !== "string") throw new StepFailed(step, a);
  return { access, refresh };
}

/** Each address's signup secret from its register answer: verify signs in only with it. */
const registrations = new Map<string, string>();

export async function register(api: Api, ip: string, email: string): Promise<void> {
  const a = expect("register", await api.call("POST", "/api/auth/register", { ip, json: { email, name: "Load Tester", password: PASSWORD } }), 202);
  if (typeof a.json?.registration === "string") registrations.set(email, a.json.registration);
}

/** The code from the next mail to `email`. */
export async function mailedCode(sink: MailSink, email: string, timeoutMs?: number): Promise<string> {
  return codeIn(await sink.nextMailTo(email, timeoutMs));
}

export async function verify(api: Api, ip: string, email: string, code: string): Promise<Tokens> {
  const registration = registrations.get(email);
  const a = await api.call("POST", "/api/auth/verify-email", { ip, json: { email, code, registration } });
  return tokensOf("verify", expect("verify", a, 200));
}

export async function signIn(api: Api, ip: string, email: string): Promise<Tokens> {
  const a = await api.call("POST", "/api/auth/token", { ip, label: "password", form: { grant_type: "password", username: email, password: PASSWORD } });
  return tokensOf("sign-in", expect("sign-in", a, 200));
}

export async function refresh(api: Api, ip: string, refreshToken: string): Promise<Tokens> {
  const a = await api.call("POST", "/api/auth/token", { ip, label: "refresh_token", form: { grant_type: "refresh_token", refresh_token: refreshToken } });
  return tokensOf("refresh", expect("refresh", a, 200));
}

export async function me(api: Api, ip: string, access: string, email: string): Promise<void> {
  const a = expect("me", await api.call("GET", "/api/me", { ip, bearer: access }), 200);
  if (a.json?.email !== email || a.json?.emailVerified !== true) throw new StepFailed("me", a);
}

export async function signOut(api: Api, ip: string, access: string): Promise<void> {
  const a = expect("sign-out", await api.call("POST", "/api/auth/logout", { ip, bearer: access }), 200);
  if (a.json?.revoked !== 1) throw new StepFailed("sign-out", a);
}

/** The journey after a verified sign-up: password grant → refresh grant → /api/me → sign-out of that session. */
export async function signedInRound(api: Api, ip: string, email: string): Promise<void> {
  const session = await signIn(api, ip, email);
  const rotated = await refresh(api, ip, session.refresh);
  await me(api, ip, rotated.access, email);
  await signOut(api, ip, rotated.access);
}
