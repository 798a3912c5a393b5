/**
 * Issue 15, item 7: IPv4 clients used to be stored as "::ffff:a.b.c.d". New rows
 * are normalised (lib/auth/client-ip.ts); the migration rewrites the old ones so
 * the audit filter, the CSV export and the pages see one form per client.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { openTestDb, type TestDb } from "../helpers/db";

const SQL = readFileSync(
  path.resolve(__dirname, "../../prisma/migrations/20261203140000_ipv4_mapped_addresses/migration.sql"),
  "utf8",
);

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

it("rewrites stored IPv4-mapped addresses as IPv4, and leaves real IPv6 and odd values alone", async () => {
  const user = await t.db.user.create({ data: { email: "mapped@example.test", name: "Ana", passwordHash: "x" } });
  const values = ["::ffff:203.0.113.5", "::FFFF:198.51.100.7", "2001:db8::1", "::ffff:abcd", "unknown"];
  for (const ip of values) {
    await t.db.authEvent.create({ data: { type: "authn_login_fail", userId: user.id, ip } });
    await t.db.session.create({ data: { userId: user.id, ip, expiresAt: new Date(Date.now() + 60_000) } });
  }
  const statements = SQL.replace(/^\s*--.*$/gm, "").split(";").map((s) => s.trim()).filter(Boolean);
  expect(statements).toHaveLength(2);
  for (const statement of statements) {
    await t.db.$executeRawUnsafe(statement);
  }
  const expected = ["203.0.113.5", "198.51.100.7", "2001:db8::1", "::ffff:abcd", "unknown"].sort();
  expect((await t.db.authEvent.findMany({ select: { ip: true } })).map((e) => e.ip).sort()).toEqual(expected);
  expect((await t.db.session.findMany({ select: { ip: true } })).map((s) => s.ip).sort()).toEqual(expected);
});
