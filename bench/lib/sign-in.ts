import type { Request } from "autocannon";
import { clientIp, send, type BenchApp } from "./harness";

/**
 * Sign-in is a server action. These requests are what Chromium sends when the
 * form is submitted with JavaScript on (captured once with playwright-core):
 * POST /sign-in with the `Next-Action` header, `Accept: text/x-component` and a
 * multipart body of React's encodeReply([prevState, formData]): the form's
 * fields prefixed `_1_`, and the argument list in field `0`. The action id and
 * the hidden fields come from the page's HTML, as the browser gets them.
 */

// Next's router state for /sign-in, as the browser sends it.
const ROUTER_STATE = encodeURIComponent(
  JSON.stringify(["", { children: ["(auth)", { children: ["sign-in", { children: ["__PAGE__", {}, null, null, 0] }, null, null, 0] }, null, null, 0] }, null, null, 20]),
);
const BOUNDARY = "----GatehouseBenchBoundary7MA4YWxkTrZu0gW";

export type SignInForm = { actionId: string; hidden: [string, string][]; initialState: unknown };

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Read the action id and hidden fields from GET /sign-in. */
export async function loadSignInForm(app: BenchApp): Promise<SignInForm> {
  const page = await send(app, { path: "/sign-in" });
  if (page.status !== 200) throw new Error(`GET /sign-in answered ${page.status}`);
  const hidden: [string, string][] = [];
  for (const tag of page.body.match(/<input[^>]*type="hidden"[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    if (name?.startsWith("$ACTION")) hidden.push([decodeEntities(name), decodeEntities(/value="([^"]*)"/.exec(tag)?.[1] ?? "")]);
  }
  // A form action with bound state ($ACTION_1:0 = {"id":…}) or a plain one ($ACTION_ID_<id>).
  let actionId: string | undefined;
  let initialState: unknown = {};
  for (const [name, value] of hidden) {
    if (/^\$ACTION_\d+:0$/.test(name)) actionId = (JSON.parse(value) as { id: string }).id;
    if (/^\$ACTION_\d+:1$/.test(name)) initialState = (JSON.parse(value) as unknown[])[0];
    if (name.startsWith("$ACTION_ID_")) actionId = name.slice("$ACTION_ID_".length);
  }
  if (!actionId) throw new Error("No server action id in the sign-in page's HTML");
  return { actionId, hidden, initialState };
}

function multipart(fields: [string, string][]): string {
  return (
    fields.map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join("") +
    `--${BOUNDARY}--\r\n`
  );
}

/** Headers and body of one sign-in, from `ip`. */
export function signInRequest(app: BenchApp, form: SignInForm, email: string, password: string, ip: string) {
  const fields: [string, string][] = [
    ...form.hidden.map(([name, value]): [string, string] => [`_1_${name}`, value]),
    ["_1_email", email],
    ["_1_password", password],
    ["0", JSON.stringify([form.initialState, "$K1"])],
  ];
  return {
    method: "POST",
    path: "/sign-in",
    headers: {
      host: app.host,
      origin: app.origin,
      referer: `${app.origin}/sign-in`,
      accept: "text/x-component",
      "next-action": form.actionId,
      "next-router-state-tree": ROUTER_STATE,
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      "x-forwarded-for": ip,
      "user-agent": "gatehouse-bench",
    },
    body: multipart(fields),
  };
}

/**
 * A sign-in succeeded when the action sets the session cookie and sends the
 * browser on to the dashboard: as a small `redirectTo` state the form follows
 * (script submits, since the action stopped rendering the dashboard into its
 * answer), or as Next's action redirect (`x-action-redirect`, the older answer).
 */
export function signedIn(status: number, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  // autocannon keeps the header names' case as sent (Next writes "Set-Cookie").
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const redirect = lower.get("x-action-redirect");
  const navigates = (typeof redirect === "string" && redirect.startsWith("/dashboard")) || body.includes('"redirectTo":"/dashboard"');
  return status === 200 && navigates && lower.get("set-cookie") !== undefined;
}

/** One sign-in; returns the access token from the cookie it sets. */
export async function signInOnce(app: BenchApp, form: SignInForm, email: string, password: string, ip: string): Promise<{ accessToken: string; ms: number }> {
  const reply = await send(app, signInRequest(app, form, email, password, ip));
  if (!signedIn(reply.status, reply.headers, reply.body)) {
    throw new Error(`Sign-in of ${email} failed: ${reply.status} ${JSON.stringify(reply.headers)} ${reply.body.slice(0, 300)}`);
  }
  const cookies = reply.headers["set-cookie"] ?? [];
  const access = cookies.map((c) => /^__Host-gh_at=([^;]+)/.exec(c)?.[1]).find(Boolean);
  if (!access) throw new Error("Sign-in set no access cookie");
  return { accessToken: access, ms: reply.ms };
}

/**
 * An autocannon request that signs in user `pick(n)` on the n-th call, each from
 * its own address, counting successes and failures in `counts`.
 */
export function signInStorm(
  app: BenchApp,
  form: SignInForm,
  pick: (n: number) => string,
  password: string,
  counts: { ok: number; failed: number },
): Request {
  let n = 0;
  return {
    setupRequest: () => {
      n += 1;
      return signInRequest(app, form, pick(n), password, clientIp(n));
    },
    onResponse: (status, body, _context, headers) => {
      if (signedIn(status, headers, body)) counts.ok += 1;
      else counts.failed += 1;
    },
  };
}

/** The API's password grant (RFC 6749 §4.3): POST /api/auth/token, form-encoded, from `ip`. */
export function tokenRequest(app: BenchApp, email: string, password: string, ip: string) {
  return {
    method: "POST",
    path: "/api/auth/token",
    headers: {
      host: app.host,
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": ip,
      "user-agent": "gatehouse-bench",
    },
    body: new URLSearchParams({ grant_type: "password", username: email, password }).toString(),
  };
}

/** Like signInStorm, through the token endpoint: a success is a 200 with an access token. */
export function tokenStorm(app: BenchApp, pick: (n: number) => string, password: string, counts: { ok: number; failed: number }): Request {
  let n = 0;
  return {
    setupRequest: () => {
      n += 1;
      return tokenRequest(app, pick(n), password, clientIp(100_000 + n));
    },
    onResponse: (status, body) => {
      if (status === 200 && body.includes('"access_token"')) counts.ok += 1;
      else counts.failed += 1;
    },
  };
}
