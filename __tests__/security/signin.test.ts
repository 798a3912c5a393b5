/**
 * SECURITY.md "Sign-in and brute force": the rules with no test elsewhere.
 * The lockout, its reset and the per-IP limit of each flow are tested in
 * __tests__/integration/auth-*.test.ts and recovery.test.ts (lib level), the
 * dummy bcrypt compare in ./signin-timing.test.ts.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { NextRequest } from "next/server";
import { signInAction } from "@/app/(auth)/sign-in/actions";
import { POST as FORGOT } from "@/app/api/auth/forgot-password/route";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { POST as RESEND } from "@/app/api/auth/resend-code/route";
import { POST as RESET } from "@/app/api/auth/reset-password/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { POST as VERIFY } from "@/app/api/auth/verify-email/route";
import { signIn } from "@/lib/auth/accounts";
import { LOCKOUT_THRESHOLD } from "@/lib/auth/constants";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { lockUser } from "@/lib/data/users";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";
import { CTX, PASSWORD, createVerifiedUser, setupAuthHarness, signUp, uniqueEmail } from "../helpers/auth-harness";

// The sign-in action reads the request's headers through next/headers: this stands in for Next's request scope.
jest.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined, has: () => false, set: () => {} }),
  headers: async () => new Headers({ "user-agent": "jest-security", "x-request-id": "signin-test" }),
}));

const h = setupAuthHarness();

const APP = "http://localhost:3000";
const WRONG = "wrong horse battery staple 99?";

type Handler = (req: NextRequest) => Promise<Response>;

async function post(handler: Handler, path: string, body: string, headers: Record<string, string>) {
  const res = await handler(new NextRequest(new URL(path, APP), { method: "POST", headers, body }));
  return { status: res.status, headers: [...res.headers.entries()], text: await res.text() };
}

/** The four failures SECURITY.md lists: unknown email, wrong password, unverified with a wrong password, locked (right password). */
async function fourFailures(): Promise<Array<[string, string, string]>> {
  const { email: verified } = await createVerifiedUser(h.sink, uniqueEmail("known"));
  const { email: unverified } = await signUp(uniqueEmail("unverified"));
  const { email: locked } = await createVerifiedUser(h.sink, uniqueEmail("locked"));
  const user = await h.db.user.findUniqueOrThrow({ where: { email: locked } });
  await lockUser(user.id, new Date(Date.now() + 15 * 60_000));
  return [
    ["unknown email", uniqueEmail("nobody"), WRONG],
    ["wrong password", verified, WRONG],
    ["unverified, wrong password", unverified, WRONG],
    ["locked, right password", locked, PASSWORD],
  ];
}

describe("one identical answer for every failed sign-in", () => {
  it("the token endpoint answers unknown email, wrong password, unverified-but-wrong and locked with the same status, body and headers", async () => {
    const answers = [];
    for (const [label, email, password] of await fourFailures()) {
      const form = new URLSearchParams({ grant_type: "password", username: email, password }).toString();
      answers.push({ label, ...(await post(TOKEN, "/api/auth/token", form, { "content-type": "application/x-www-form-urlencoded" })) });
    }
    const [first, ...rest] = answers;
    expect(first!.status).toBe(400);
    for (const a of rest) expect({ label: a.label, status: a.status, headers: a.headers, text: a.text }).toEqual({ ...first!, label: a.label });
  });

  it("the sign-in page's action answers them with the same form state, and never echoes the password", async () => {
    const states: Array<{ label: string; state: ActionState }> = [];
    for (const [label, email, password] of await fourFailures()) {
      const fd = new FormData();
      fd.set("email", email);
      fd.set("password", password);
      states.push({ label, state: await signInAction(initialActionState, fd) });
    }
    const comparable = states.map(({ label, state: { values, ...rest } }) => ({ label, ...rest, echoedPassword: Object.keys(values ?? {}).includes("password") }));
    const [first] = comparable;
    expect(first).toMatchObject({ status: "error", echoedPassword: false });
    expect(comparable).toEqual(comparable.map((c) => ({ ...first!, label: c.label })));
  });
});

describe("per client IP: every credential endpoint answers 429 with Retry-After", () => {
  it("sign-up, token, code verify and resend, reset request and confirm each allow 30 requests a minute from one address", async () => {
    h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for" });
    const json = { "content-type": "application/json" };
    // A valid-looking request per endpoint (each call makes a new one), and whether its errors are OAuth-shaped.
    const endpoints: Array<[string, Handler, () => { body: string; headers: Record<string, string> }, boolean]> = [
      ["/api/auth/register", REGISTER, () => ({ body: JSON.stringify({ email: uniqueEmail("reg"), name: "Ana Tester", password: PASSWORD }), headers: json }), false],
      [
        "/api/auth/token",
        TOKEN,
        () => ({ body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "not-a-real-token" }).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } }),
        true,
      ],
      ["/api/auth/verify-email", VERIFY, () => ({ body: JSON.stringify({ email: uniqueEmail("code"), code: "123456" }), headers: json }), false],
      ["/api/auth/resend-code", RESEND, () => ({ body: JSON.stringify({ email: uniqueEmail("resend") }), headers: json }), false],
      ["/api/auth/forgot-password", FORGOT, () => ({ body: JSON.stringify({ email: uniqueEmail("forgot") }), headers: json }), false],
      ["/api/auth/reset-password", RESET, () => ({ body: JSON.stringify({ token: "A".repeat(43), password: "violet kettle drums under 9 moons" }), headers: json }), false],
    ];
    const results = [];
    for (const [i, [path, handler, make, oauth]] of endpoints.entries()) {
      const ip = `198.51.100.${10 + i}`; // one address per endpoint: verify and resend share a budget
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof post>> | undefined;
      while (!limited && statuses.length < 40) {
        const { body, headers } = make();
        const a = await post(handler, path, body, { ...headers, "x-forwarded-for": ip });
        statuses.push(a.status);
        if (a.status === 429) limited = a;
      }
      const retryAfter = Number(new Map(limited?.headers ?? []).get("retry-after"));
      const body = JSON.parse(limited?.text ?? "{}") as Record<string, unknown>;
      // Another address is not affected.
      const other = make();
      const fromElsewhere = await post(handler, path, other.body, { ...other.headers, "x-forwarded-for": `203.0.113.${10 + i}` });
      results.push({
        path,
        allowedBeforeLimit: statuses.length - 1,
        retryAfter: retryAfter > 0 && retryAfter <= 60,
        error: oauth ? body.error : body.error,
        elsewhere: fromElsewhere.status !== 429,
      });
    }
    expect(results).toEqual(
      endpoints.map(([path, , , oauth]) => ({ path, allowedBeforeLimit: 30, retryAfter: true, error: oauth ? "invalid_request" : "rate-limited", elsewhere: true })),
    );
  });
});

describe("the client IP comes from the socket unless a trusted-proxy setting names a header", () => {
  it("ignores X-Forwarded-For and a client-sent x-gatehouse-client-ip without TRUST_PROXY_HEADER", () => {
    const spoofed = new Headers({ "x-forwarded-for": "1.2.3.4", "x-real-ip": "1.2.3.5", "x-gatehouse-client-ip": "5.6.7.8" });
    h.setEnv({ TRUST_PROXY_HEADER: undefined, GATEHOUSE_CLIENT_IP_PRELOAD: undefined });
    // Without the preload (scripts/client-ip.cjs) nothing vouches for the socket header: "unknown", never a client's claim.
    expect(contextFromHeaders(spoofed).ip).toBe("unknown");
    h.setEnv({ GATEHOUSE_CLIENT_IP_PRELOAD: "1" });
    expect(contextFromHeaders(spoofed).ip).toBe("5.6.7.8"); // the preload overwrote it with the socket's address
    h.setEnv({ TRUST_PROXY_HEADER: "X-Forwarded-For" });
    // The right-most entry (TRUST_PROXY_HOPS=1): the left-most is whatever the client sent.
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": " 1.2.3.4 , 10.0.0.1", "x-gatehouse-client-ip": "10.0.0.2" })).ip).toBe("10.0.0.1");
    // A trusted header that is missing falls back to the socket, not to another forwarded header.
    h.setEnv({ TRUST_PROXY_HEADER: "x-real-ip" });
    expect(contextFromHeaders(spoofed).ip).toBe("1.2.3.5");
    expect(contextFromHeaders(new Headers({ "x-forwarded-for": "1.2.3.4", "x-gatehouse-client-ip": "10.0.0.2" })).ip).toBe("10.0.0.2");
  });

  it("the preload overwrites a client-sent x-gatehouse-client-ip with the socket's address", async () => {
    // A real http server in its own process, started the way `npm start` starts Next (node --require).
    const script = `
      const http = require("node:http");
      const server = http.createServer((req, res) => res.end(String(req.headers["x-gatehouse-client-ip"])));
      server.listen(0, "127.0.0.1", async () => {
        const { port } = server.address();
        const res = await fetch("http://127.0.0.1:" + port, { headers: { "x-gatehouse-client-ip": "6.6.6.6", "x-forwarded-for": "7.7.7.7" } });
        process.stdout.write(await res.text());
        server.close();
      });`;
    const seen = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--require", path.resolve(__dirname, "../../scripts/client-ip.cjs"), "-e", script], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(seen).toBe("127.0.0.1");
  });
});

describe("limits and counters live in the database, so every instance sees them", () => {
  it("another instance (a fresh copy of the modules on the same database) sees the per-IP limit and the lockout", async () => {
    const ip = "198.51.100.77";
    for (let i = 0; i < 30; i++) await signIn({ email: uniqueEmail("spray"), password: WRONG }, { ...CTX, ip }).catch(() => {});
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("lockout"));
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await signIn({ email, password: WRONG }, { ...CTX, ip: `198.51.101.${i}` }).catch(() => {});

    // No in-memory state survives into a fresh module registry: what it knows, it read from the database.
    let codes: Record<string, string | undefined> = {};
    await jest.isolateModulesAsync(async () => {
      const fresh = (await import("@/lib/auth/accounts")) as typeof import("@/lib/auth/accounts");
      expect(fresh.signIn).not.toBe(signIn); // really another copy of the module
      const codeOf = (p: Promise<unknown>) => p.then(() => "signed-in", (err: { code?: string }) => err.code);
      codes = {
        limitedAddress: await codeOf(fresh.signIn({ email, password: PASSWORD }, { ...CTX, ip })),
        lockedAccount: await codeOf(fresh.signIn({ email, password: PASSWORD }, { ...CTX, ip: "198.51.102.1" })),
        // Control: the same fresh copy signs in another account from another address.
        other: await codeOf(fresh.signIn({ email: (await createVerifiedUser(h.sink, uniqueEmail("control"))).email, password: PASSWORD }, { ...CTX, ip: "198.51.102.2" })),
      };
    });
    expect(codes).toEqual({ limitedAddress: "rate-limited", lockedAccount: "invalid-credentials", other: "signed-in" });
  });
});
