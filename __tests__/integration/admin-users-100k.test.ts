import { listUsers, userListQuerySchema, type AdminActor } from "@/lib/auth/admin";
import { Prisma } from "@/lib/db/generated/client";
import { CTX, setupAuthHarness, sessionFor } from "../helpers/auth-harness";

/**
 * The users list at scale: 100,000 users seeded with one INSERT … SELECT
 * generate_series, then every page walked by keyset. Pages must not overlap or
 * skip anyone (a third of the users share their creation millisecond with two
 * others, so ties are real), and the page queries must start from an index
 * instead of reading the table. Timings are printed for bench notes.
 */

const h = setupAuthHarness();
jest.setTimeout(600_000);

const N = 100_000;
let actor: AdminActor;
const timings: Record<string, number> = {};

/** One statement: 100,000 users, a third of them sharing a creation millisecond with two others. */
const SEED = `
  INSERT INTO "users" ("id", "email", "name", "password_hash", "role", "email_verified_at", "locked_until", "created_at", "updated_at")
  SELECT gen_random_uuid(),
         'bulk' || g || '@load.test',
         'Bulk User ' || g,
         '$2b$04$................................................',
         CASE WHEN g % 10000 = 0 THEN 'ADMIN'::"Role" ELSE 'USER'::"Role" END,
         CASE WHEN g % 2 = 0 THEN now() ELSE NULL END,
         CASE WHEN g % 1000 = 0 THEN now() + interval '1 day' ELSE NULL END,
         timestamptz '2026-01-01 00:00:00+00' - (g / 3) * interval '1 second',
         now()
  FROM generate_series(1, ${N}) AS g`;

afterAll(() => {
  const lines = Object.entries(timings).map(([k, v]) => `  ${k.padEnd(38)} ${v.toFixed(1)} ms`);
  process.stdout.write(`\n[admin 100k users, ${h.kind}]\n${lines.join("\n")}\n`);
});

async function median(label: string, fn: () => Promise<unknown>, runs = 7): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const m = samples[Math.floor(samples.length / 2)]!;
  timings[label] = m;
  return m;
}

async function plan(sql: Prisma.Sql): Promise<string> {
  const rows = await h.db.$queryRaw<Array<{ "QUERY PLAN": string }>>(Prisma.sql`EXPLAIN ${sql}`);
  return rows.map((r) => r["QUERY PLAN"]).join("\n");
}

it("walks 100,000 users in keyset pages with no overlap or gap, fast from any depth, with indexed plans", async () => {
  // Seeded here, not in beforeAll: the harness empties every table before each test.
  const seed0 = performance.now();
  await h.db.$executeRawUnsafe(SEED);
  await h.db.$executeRawUnsafe(`ANALYZE "users"`);
  timings["seed 100,000 users (one INSERT … SELECT)"] = performance.now() - seed0;
  expect(await h.db.user.count()).toBe(N);

  // The acting admin (created now, so the newest user).
  const admin = await h.db.user.create({
    data: { email: "root@admin.test", name: "Root", passwordHash: "x", role: "ADMIN", emailVerifiedAt: new Date() },
  });
  const s = await sessionFor({ id: admin.id, role: "ADMIN" }, CTX);
  actor = { userId: admin.id, sessionId: s.sessionId };
  const list = (params: Record<string, string>) => listUsers(actor, userListQuerySchema.parse(params), CTX);

  // Every page, oldest cursor to newest, 100 at a time.
  const expected = await h.db.$queryRawUnsafe<Array<{ id: string }>>(`SELECT "id" FROM "users" ORDER BY "created_at" DESC, "id" DESC`);
  expect(expected).toHaveLength(N + 1);
  const seen: string[] = [];
  const pageTimes: number[] = [];
  let after: string | null = null;
  let pages = 0;
  const walk0 = performance.now();
  do {
    const params: Record<string, string> = { limit: "100" };
    if (after) params.after = after;
    const t0 = performance.now();
    const p = await list(params);
    pageTimes.push(performance.now() - t0);
    expect(p.users.length).toBeGreaterThan(0);
    for (const u of p.users) seen.push(u.id);
    after = p.next;
    pages += 1;
  } while (after);
  timings["full walk (1,001 pages of 100)"] = performance.now() - walk0;
  pageTimes.sort((a, b) => a - b);
  timings["page of 100, median over the walk"] = pageTimes[Math.floor(pageTimes.length / 2)]!;
  timings["page of 100, p95 over the walk"] = pageTimes[Math.floor(pageTimes.length * 0.95)]!;
  expect(pages).toBe(1001);
  expect(new Set(seen).size).toBe(N + 1); // nobody twice
  expect(seen).toEqual(expected.map((r) => r.id)); // nobody skipped, exact order

  // The same page from the front and from deep inside costs about the same.
  const first = await list({ limit: "50" });
  expect(first.users[0]?.email).toBe("root@admin.test");
  const deepCursor = `${Date.parse("2026-01-01T00:00:00Z") - 33_000 * 1000}.ffffffff-ffff-ffff-ffff-ffffffffffff`;
  const deep = await list({ limit: "50", after: deepCursor });
  expect(deep.users).toHaveLength(50);
  await median("first page (50 users)", () => list({ limit: "50" }));
  await median("page at row ~99,000 (50 users)", () => list({ limit: "50", after: deepCursor }));
  await median("previous page from deep", () => list({ limit: "50", before: deepCursor }));

  // Filters and search over the 100k.
  const admins = await list({ role: "ADMIN", limit: "100" });
  expect(admins.users).toHaveLength(11);
  const locked = await list({ locked: "yes", limit: "100" });
  expect(locked.users).toHaveLength(100);
  expect(locked.next).toBeNull();
  const prefix = await list({ q: "bulk4242", match: "prefix" });
  expect(prefix.users.map((u) => u.email).sort()).toEqual(["bulk4242@load.test", ...Array.from({ length: 10 }, (_, i) => `bulk4242${i}@load.test`)].sort());
  const contains = await list({ q: "user 99999" });
  expect(contains.users.map((u) => u.name)).toEqual(["Bulk User 99999"]);
  const unverified = await list({ verified: "no", limit: "50" });
  expect(unverified.users.every((u) => !u.verified)).toBe(true);
  await median("filter role=ADMIN (11 of 100k)", () => list({ role: "ADMIN", limit: "100" }));
  await median("filter locked=yes (100 of 100k)", () => list({ locked: "yes", limit: "100" }));
  await median("filter verified=no (first 50)", () => list({ verified: "no", limit: "50" }));
  await median("email prefix 'bulk4242' (index)", () => list({ q: "bulk4242", match: "prefix" }));
  await median("contains 'user 99999' (full scan)", () => list({ q: "user 99999" }));
  await median("contains 'bulk1' (many matches)", () => list({ q: "bulk1" }));

  // Plans: the keyset page starts from the created_at index, the prefix search from the unique email index.
  const cursorAt = new Date(Date.parse("2026-01-01T00:00:00Z") - 33_000 * 1000);
  const keysetPlan = await plan(Prisma.sql`
    SELECT "id" FROM "users"
    WHERE "created_at" <= ${cursorAt} AND ("created_at", "id") < (${cursorAt}, ${"ffffffff-ffff-ffff-ffff-ffffffffffff"}::uuid)
    ORDER BY "created_at" DESC, "id" DESC LIMIT 51`);
  expect(keysetPlan).toMatch(/Index Scan Backward using users_created_at_idx/);
  expect(keysetPlan).not.toMatch(/Seq Scan/);
  const prefixPlan = await plan(Prisma.sql`
    SELECT "id" FROM "users"
    WHERE "email" >= ${"bulk4242"} AND "email" < ${"bulk4242" + String.fromCodePoint(0x10ffff)} AND "email" LIKE ${"bulk4242%"}
    ORDER BY "created_at" DESC, "id" DESC LIMIT 51`);
  expect(prefixPlan).toMatch(/users_email_key/);
  expect(prefixPlan).not.toMatch(/Seq Scan/);
});
