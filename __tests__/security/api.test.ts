/**
 * SECURITY.md "API for other clients", swept over every guarded operation of
 * the OpenAPI document (a new route is covered without touching this file):
 * RFC 6750 challenges, tokens in query strings ignored, and 403
 * insufficient_scope for a role the caller lacks. The rules per endpoint live
 * in __tests__/integration/api-*.test.ts; this file proves they hold everywhere.
 */
import { createVerifiedUser, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";
import { callOperation, documentedOperations, exampleBody, type Answer, type Operation } from "./routes";

const h = setupAuthHarness();

const CHALLENGE = 'Bearer realm="gatehouse"';
const CHALLENGE_INVALID = 'Bearer realm="gatehouse", error="invalid_token"';
const CHALLENGE_SCOPE = 'Bearer realm="gatehouse", error="insufficient_scope"';

let guarded: Operation[];
beforeAll(async () => {
  guarded = (await documentedOperations()).filter((op) => op.secured);
});

/** What the test compares per route: status, challenge and error code. */
function seen(op: Operation, a: Answer) {
  return { route: `${op.method} ${op.path}`, status: a.status, challenge: a.headers.get("www-authenticate"), error: a.json?.error };
}

describe("Bearer errors per RFC 6750, on every guarded route", () => {
  it("no token → 401 with WWW-Authenticate: Bearer realm=…; bad token → error=\"invalid_token\"", async () => {
    expect(guarded.length).toBeGreaterThanOrEqual(15);
    const results = [];
    for (const op of guarded) {
      const { body, headers } = exampleBody(op);
      results.push(seen(op, await callOperation(op, { body, headers })));
      results.push(seen(op, await callOperation(op, { body, headers: { ...headers, authorization: "Bearer not.a.token" } })));
    }
    const expected = guarded.flatMap((op) => [
      { route: `${op.method} ${op.path}`, status: 401, challenge: CHALLENGE, error: "unauthenticated" },
      { route: `${op.method} ${op.path}`, status: 401, challenge: CHALLENGE_INVALID, error: "invalid-token" },
    ]);
    expect(results).toEqual(expected);
  });

  it("tokens in query strings are ignored: a valid access_token in the URL is still 401 with the plain challenge", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("query"));
    const results = [];
    for (const op of guarded) {
      const { body, headers } = exampleBody(op);
      results.push(seen(op, await callOperation(op, { body, headers, query: `?access_token=${encodeURIComponent(tokens.accessToken)}` })));
    }
    expect(results).toEqual(guarded.map((op) => ({ route: `${op.method} ${op.path}`, status: 401, challenge: CHALLENGE, error: "unauthenticated" })));
  });

  it("wrong role → 403 error=\"insufficient_scope\" on every admin route, for a USER's valid token", async () => {
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("user"));
    const adminOnly = guarded.filter((op) => op.bearerOnly);
    expect(adminOnly.length).toBeGreaterThanOrEqual(8);
    const results = [];
    for (const op of adminOnly) {
      const { body, headers } = exampleBody(op);
      results.push(seen(op, await callOperation(op, { body, headers: { ...headers, authorization: `Bearer ${tokens.accessToken}` } })));
    }
    expect(results).toEqual(adminOnly.map((op) => ({ route: `${op.method} ${op.path}`, status: 403, challenge: CHALLENGE_SCOPE, error: "forbidden" })));
    // The refusals were audited, and nothing was changed for the caller.
    expect(await h.db.authEvent.count({ where: { type: "authz_fail", userId: tokens.userId } })).toBe(adminOnly.length);
  });
});
