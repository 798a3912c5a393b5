/**
 * The sign-in form's server action. Submitted by script (React sends
 * `Next-Action`), it answers with a small state naming where to go, so Next
 * does not render that page into the answer; submitted without JavaScript, it
 * redirects as before. Either way the session cookies are set first, and the
 * target is a vetted same-origin path.
 */
import { isRedirectError } from "next/dist/client/components/redirect-error";
import { getURLFromRedirectError } from "next/dist/client/components/redirect";
import { signInAction } from "@/app/(auth)/sign-in/actions";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";
import { PASSWORD, createVerifiedUser, setupAuthHarness, signUp, uniqueEmail } from "../helpers/auth-harness";

// Next's request scope, as the action sees it: the request's headers and a cookie jar that records writes.
const request = { headers: new Headers(), setCookies: [] as string[] };
jest.mock("next/headers", () => ({
  cookies: async () => ({ get: () => undefined, has: () => false, set: (name: string) => void request.setCookies.push(name) }),
  headers: async () => request.headers,
}));

const h = setupAuthHarness();

function submit(fields: Record<string, string>, opts: { script: boolean }): Promise<ActionState> {
  request.headers = new Headers({ "user-agent": "jest", ...(opts.script ? { "next-action": "0123abcd" } : {}) });
  request.setCookies = [];
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return signInAction(initialActionState, fd);
}

async function redirectOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isRedirectError(err)) throw new Error(`expected a redirect, got ${String(err)}`);
  return getURLFromRedirectError(err);
}

describe("sign-in action", () => {
  it("submitted by script: sets the session cookies and answers where to go, without redirecting", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("script"));
    const state = await submit({ email, password: PASSWORD }, { script: true });
    expect(state).toEqual({ status: "success", redirectTo: "/dashboard" });
    expect(request.setCookies).toHaveLength(2);

    const next = await submit({ email, password: PASSWORD, next: "/account/sessions?tab=all" }, { script: true });
    expect(next.redirectTo).toBe("/account/sessions?tab=all");
  });

  it.each(["//evil.example/x", "https://evil.example/", "/\\evil.example"])("never sends the form off-site (next=%p)", async (next) => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("offsite"));
    expect(await submit({ email, password: PASSWORD, next }, { script: true })).toEqual({ status: "success", redirectTo: "/dashboard" });
  });

  it("without JavaScript: sets the cookies and redirects, as an ordinary form post", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("nojs"));
    expect(await redirectOf(submit({ email, password: PASSWORD, next: "/account/profile" }, { script: false }))).toBe("/account/profile");
    expect(request.setCookies).toHaveLength(2);
  });

  it("an unverified address with the right password goes to the code page, either way, without a session", async () => {
    const { email } = await signUp(uniqueEmail("unverified"));
    const target = `/verify-email?email=${encodeURIComponent(email)}`;
    expect(await submit({ email, password: PASSWORD }, { script: true })).toEqual({ status: "success", redirectTo: target });
    // Only the signup secret (this browser knows the password, so it may finish with the code); no session cookie.
    expect(request.setCookies).toEqual(["gh_su"]);
    expect(await redirectOf(submit({ email, password: PASSWORD }, { script: false }))).toBe(target);
  });

  it("a failure is the same error state whichever way it was submitted, with no cookie and no target", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("wrong"));
    const byScript = await submit({ email, password: "wrong horse battery staple 99?" }, { script: true });
    const plain = await submit({ email, password: "wrong horse battery staple 99?" }, { script: false });
    expect(byScript).toEqual(plain);
    expect(byScript).toMatchObject({ status: "error" });
    expect(byScript.redirectTo).toBeUndefined();
    expect(request.setCookies).toHaveLength(0);
  });
});
