/**
 * SECURITY.md "Input and errors", swept over every operation of the OpenAPI
 * document that takes a body: the size limit, the media type, the JSON-object
 * rule and the schema's wrong types and operator objects all answer 4xx in the
 * route's error shape BEFORE any bcrypt or database work: not one database
 * query is made (the app's client is wrapped to count them), and each answer
 * comes far quicker than one bcrypt hash at cost 15. Field limits
 * (email ≤ 254, name ≤ 100) are checked at the API too.
 */
import type { Db } from "@/lib/db/client";
import { createVerifiedUser, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";
import { callOperation, documentedOperations, type Answer, type Operation } from "./routes";

const h = setupAuthHarness();

let withBody: Operation[];
beforeAll(async () => {
  // The browser refresh route reads its form through next/headers' cookies(): the e2e fuzz covers it.
  withBody = (await documentedOperations()).filter((op) => op.media.length > 0 && op.path !== "/api/auth/refresh");
});

/**
 * Count every query the app makes: the process-wide client (lib/db/client.ts keeps it on
 * globalThis) is swapped for a counting copy of the test database's client while `fn` runs.
 */
async function countQueries(db: Db, fn: () => Promise<void>): Promise<number> {
  const holder = (globalThis as unknown as { __gatehouseDb: { promise?: Promise<Db> } }).__gatehouseDb;
  const original = holder.promise;
  let count = 0;
  const counting = db.$extends({
    query: {
      async $allOperations({ args, query }) {
        count++;
        return query(args);
      },
    },
  });
  holder.promise = Promise.resolve(counting as unknown as Db);
  try {
    await fn();
  } finally {
    holder.promise = original;
  }
  return count;
}

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const KEBAB = /^[a-z]+(-[a-z]+)*$/;
const SNAKE = /^[a-z]+(_[a-z]+)*$/;

/** Status and whether the body is the route's error shape (RFC 6749's on the OAuth endpoints). */
function verdict(op: Operation, a: Answer) {
  const b = a.json ?? {};
  const shaped = op.oauth
    ? typeof b.error === "string" && SNAKE.test(b.error) && typeof b.error_description === "string"
    : typeof b.error === "string" && KEBAB.test(b.error) && typeof b.message === "string";
  return { route: `${op.method} ${op.path}`, status: a.status, shaped };
}

describe("every body is checked before any bcrypt or database work", () => {
  it("over 16 kB → 413, another media type → 415, not an object → 400, wrong types and operator objects → 400", async () => {
    expect(withBody.length).toBeGreaterThanOrEqual(15);
    const { tokens } = await createVerifiedUser(h.sink, uniqueEmail("bodies"));
    // bcrypt at cost 15 (the highest allowed) takes seconds: an answer in well under one hashed nothing.
    h.setEnv({ BCRYPT_COST: "15" });
    const auth = { authorization: `Bearer ${tokens.accessToken}` };
    const json = { ...auth, "content-type": "application/json" };
    const cases: Array<[string, number, { headers: Record<string, string>; body: string }]> = [
      ["17 kB", 413, { headers: json, body: JSON.stringify({ email: "a".repeat(17 * 1024) }) }],
      ["text/plain", 415, { headers: { ...auth, "content-type": "text/plain" }, body: "{}" }],
      ["no content type", 415, { headers: auth, body: "{}" }],
      ["latin1 charset", 415, { headers: { ...auth, "content-type": "application/json; charset=latin1" }, body: "{}" }],
      ["an array", 400, { headers: json, body: "[]" }],
      ["null", 400, { headers: json, body: "null" }],
      ["a string", 400, { headers: json, body: '"x"' }],
      ["broken JSON", 400, { headers: json, body: '{"email":' }],
    ];
    const results: Array<Record<string, unknown>> = [];
    const expected: Array<Record<string, unknown>> = [];
    // Every field of every schema, given a value of another JSON type or an operator object.
    const wrong: unknown[] = [{ contains: "@" }, { $ne: null }, ["a"], null, 12345, true, "x", { not: "" }];
    const typed: Array<Record<string, unknown>> = [];

    const queries = await countQueries(h.db, async () => {
      for (const op of withBody) {
        for (const [label, status, parts] of cases) {
          const started = performance.now();
          const a = await callOperation(op, parts);
          results.push({ ...verdict(op, a), label, fast: performance.now() - started < 700 });
          expected.push({ route: `${op.method} ${op.path}`, label, status, shaped: true, fast: true });
        }
      }
      for (const op of withBody.filter((o) => o.example && o.media.includes("application/json"))) {
        // The OAuth endpoints read an Authorization header as client authentication: they get none.
        const headers = op.secured ? json : { "content-type": "application/json" };
        for (const [field, good] of Object.entries(op.example!)) {
          for (const value of wrong.filter((v) => kind(v) !== kind(good))) {
            const started = performance.now();
            const a = await callOperation(op, { headers, body: JSON.stringify({ ...op.example, [field]: value }) });
            typed.push({ ...verdict(op, a), field, value: JSON.stringify(value), fast: performance.now() - started < 700 });
          }
        }
      }
    });
    expect(results).toEqual(expected);
    expect(typed.length).toBeGreaterThan(50);
    expect(typed.filter((t) => t.status !== 400 || !t.shaped || !t.fast)).toEqual([]);
    expect(queries).toBe(0);
    // Control: the counter does see the queries of a request that gets past its schema.
    const me = (await documentedOperations()).find((op) => op.path === "/api/me" && op.method === "GET")!;
    expect(await countQueries(h.db, async () => void (await callOperation(me, { headers: auth })))).toBeGreaterThan(0);
  });

  it("an email over 254 characters and a name over 100 are refused with 400 and the field's message", async () => {
    const register = withBody.find((op) => op.path === "/api/auth/register")!;
    const headers = { "content-type": "application/json" };
    const email = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}.test`; // 259 characters, well-formed otherwise
    expect(email.length).toBeGreaterThan(254);
    const longEmail = await callOperation(register, { headers, body: JSON.stringify({ ...register.example, email }) });
    expect(longEmail.status).toBe(400);
    expect((longEmail.json?.fields as Record<string, string[]>).email).toEqual([expect.stringMatching(/254/)]);
    const longName = await callOperation(register, { headers, body: JSON.stringify({ ...register.example, name: "n".repeat(101) }) });
    expect(longName.status).toBe(400);
    expect((longName.json?.fields as Record<string, string[]>).name).toEqual([expect.stringMatching(/100/)]);
    // Exactly at the limits is fine.
    expect(await h.db.user.count()).toBe(0);
    const atName = await callOperation(register, { headers, body: JSON.stringify({ ...register.example, email: uniqueEmail("limits"), name: "n".repeat(100) }) });
    expect(atName.status).toBe(202);
  });
});
