/**
 * SECURITY.md "Across requests and people": bcrypt work in flight is capped
 * (issue 14, item 4). lib/auth/password-pool.ts admits at most
 * PASSWORD_QUEUE_MAX tasks (queued + running); beyond it a credential request
 * is answered "busy" at once (503 + Retry-After, or the form's busy message),
 * never with an ever-longer wait, while the requests already admitted finish.
 */
import { NextRequest } from "next/server";
import { signInAction } from "@/app/(auth)/sign-in/actions";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { BUSY_MESSAGE } from "@/lib/auth/errors";
import { bcryptTasksInFlight, resetBcryptPool, runBcrypt } from "@/lib/auth/password-pool";
import { initialActionState } from "@/lib/validation/action-state";
import { PASSWORD, createVerifiedUser, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

// The sign-in action reads the request's headers through next/headers: this stands in for Next's request scope.
jest.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined, has: () => false, set: () => {} }),
  headers: async () => new Headers({ "user-agent": "jest-security", "x-request-id": "queue-test" }),
}));

const h = setupAuthHarness();

const APP = "http://localhost:3000";
const WRONG = "wrong horse battery staple 99?";
// One worker and a slow cost: the filler tasks below hold the pool for a good half second.
const FILLER_COST = 13;

type Answer = { status: number; headers: Headers; body: Record<string, unknown>; at: number };

async function passwordGrant(username: string, password: string, ip: string): Promise<Answer> {
  const req = new NextRequest(new URL("/api/auth/token", APP), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": ip },
    body: new URLSearchParams({ grant_type: "password", username, password }).toString(),
  });
  const res = await TOKEN(req);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown>, at: performance.now() };
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error("condition not reached");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Two slow hashes that hold the one worker (and two of the budget's places). */
function fillQueue(): Promise<unknown> {
  return Promise.all([1, 2].map((i) => runBcrypt({ op: "hash", password: `filler ${i}`, cost: FILLER_COST })));
}

beforeEach(async () => {
  h.setEnv({ TRUST_PROXY_HEADER: "x-forwarded-for", BCRYPT_WORKERS: "1", PASSWORD_QUEUE_MAX: "3" });
  await resetBcryptPool();
});
afterAll(() => resetBcryptPool());

describe("a bounded queue in front of bcrypt", () => {
  it("a full queue answers 503 temporarily_unavailable with Retry-After at once, and the victim's admitted sign-in still completes", async () => {
    const { email: victim } = await createVerifiedUser(h.sink, uniqueEmail("victim"));
    const fillers = fillQueue();
    expect(bcryptTasksInFlight()).toBe(2);
    const started = performance.now();
    // The victim's request is the third place: admitted, it waits behind the fillers.
    let victimDone = false;
    const victimAnswer = passwordGrant(victim, PASSWORD, "198.51.100.1").then((a) => ((victimDone = true), a));
    await waitFor(() => bcryptTasksInFlight() === 3);

    // Twelve sources, each well under its own limit: wrong passwords and unknown emails (the dummy bcrypt).
    const flood = await Promise.all(
      Array.from({ length: 12 }, (_, i) => passwordGrant(i % 2 ? victim : uniqueEmail("nobody"), WRONG, `203.0.113.${i + 1}`)),
    );
    expect(victimDone).toBe(false); // every refusal came while the queue was still full: nobody waited for a place
    for (const a of flood) {
      expect({ status: a.status, error: a.body.error, retryAfter: Number(a.headers.get("retry-after")) > 0 }).toEqual({
        status: 503,
        error: "temporarily_unavailable",
        retryAfter: true,
      });
      expect(a.body.error_description).toBe(BUSY_MESSAGE);
      expect(a.headers.get("cache-control")).toBe("no-store");
    }
    // Unknown email and known email are refused alike: "busy" tells nothing about accounts.
    expect(new Set(flood.map((a) => JSON.stringify([a.status, a.body, a.headers.get("retry-after")]))).size).toBe(1);
    // "Busy" is the server's refusal, not a wrong guess: the six refused guesses at the victim's account gave
    // their claimed attempts back (only the victim's own, still queued, is counted).
    expect((await h.db.user.findUniqueOrThrow({ where: { email: victim } })).failedLoginCount).toBe(1);

    const answer = await victimAnswer;
    expect(answer.status).toBe(200);
    expect(typeof answer.body.access_token).toBe("string");
    expect(Math.max(...flood.map((a) => a.at))).toBeLessThan(answer.at);
    await fillers;
    expect(bcryptTasksInFlight()).toBe(0);
    // Drained: the next sign-in is served normally, and the refused wrong guesses were never checked.
    expect((await passwordGrant(victim, PASSWORD, "198.51.100.1")).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("the JSON API answers busy (503, Retry-After) and the sign-in form shows the busy message", async () => {
    const fillers = fillQueue();
    // The third place taken too: nothing else is admitted.
    const third = runBcrypt({ op: "hash", password: "filler 3", cost: FILLER_COST });

    const res = await REGISTER(
      new NextRequest(new URL("/api/auth/register", APP), {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.50" },
        body: JSON.stringify({ email: uniqueEmail("new"), name: "Ana Tester", password: PASSWORD }),
      }),
    );
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await res.json()).toEqual({ error: "busy", message: BUSY_MESSAGE });

    const fd = new FormData();
    fd.set("email", uniqueEmail("nobody"));
    fd.set("password", WRONG);
    const state = await signInAction(initialActionState, fd);
    expect(state).toMatchObject({ status: "error", message: BUSY_MESSAGE });
    expect(state.retryAfter).toBeGreaterThan(0);

    await Promise.all([fillers, third]);
    // Once drained, the same sign-up goes through.
    const after = await REGISTER(
      new NextRequest(new URL("/api/auth/register", APP), {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.50" },
        body: JSON.stringify({ email: uniqueEmail("new"), name: "Ana Tester", password: PASSWORD }),
      }),
    );
    expect(after.status).toBe(202);
  });
});
