import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Client } from "pg";
import { createPgClient, createPgliteClient, type Db } from "@/lib/db/client";
import { Prisma } from "@/lib/db/generated/client";
import { migrate, pgExecutor, pgliteExecutor } from "@/lib/db/migrate";

// The two ways the app reaches its database, each on a freshly migrated one:
// embedded PGlite through pglite-prisma-adapter, and PostgreSQL through
// @prisma/adapter-pg (TEST_DATABASE_URL, or the local server when it answers).

const ROOT = path.resolve(__dirname, "../..");
const LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// Opening and migrating a fresh PGlite takes a few seconds.
jest.setTimeout(60_000);

/** Synchronous (collection time) check that a PostgreSQL server answers at `url`. */
function serverAnswers(url: string): boolean {
  const probe = `const { Client } = require("pg");
const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ["-e", probe, url], { cwd: ROOT, timeout: 10_000 }).status === 0;
}

type Opened = { db: Db; close: () => Promise<void> };

function describeAdapter(name: string, open: () => Promise<Opened>, extra?: (get: () => Db) => void): void {
  describe(name, () => {
    let opened: Opened;
    const db = () => opened.db;
    let n = 0;
    const newUser = () => ({
      email: `user${++n}-${randomBytes(3).toString("hex")}@example.com`,
      name: "Ada Lovelace",
      passwordHash: "$2b$12$abcdefghijklmnopqrstuuN6mDvnzP8D6HnS2m0yDq6e2QkdT6Uxi",
    });

    beforeAll(async () => {
      opened = await open();
    });

    afterAll(async () => {
      await opened?.close();
    });

    it("creates a user and reads it back", async () => {
      const data = newUser();
      const before = Date.now();
      const created = await db().user.create({ data });

      expect(created.id).toMatch(UUID_V7); // @default(uuid(7)): made by the client
      const read = await db().user.findUnique({ where: { email: data.email } });
      expect(read).toEqual(created);
      expect(read).toMatchObject({ ...data, failedLoginCount: 0, securityVersion: 0, emailVerifiedAt: null });
      // created_at comes from the database default, updated_at from the client (@updatedAt).
      expect(created.createdAt.getTime()).toBeGreaterThan(before - 60_000);
      expect(created.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
    });

    it("refuses a second user with the same email (P2002 on users.email)", async () => {
      const data = newUser();
      await db().user.create({ data });
      const again = db().user.create({ data: { ...newUser(), email: data.email } });

      await expect(again).rejects.toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
      await expect(again).rejects.toMatchObject({ code: "P2002" });
      expect(await db().user.count({ where: { email: data.email } })).toBe(1);
    });

    it("fills role from the enum default and stores enum values as the Role type", async () => {
      const user = await db().user.create({ data: newUser() });
      expect(user.role).toBe("USER");
      await db().user.update({ where: { id: user.id }, data: { role: "ADMIN" } });

      const [row] = await db().$queryRawUnsafe<Array<{ role: string; type: string }>>(
        `SELECT role::text AS role, pg_typeof(role)::text AS type FROM users WHERE id = $1::uuid`,
        user.id,
      );
      expect(row).toEqual({ role: "ADMIN", type: '"Role"' });
    });

    it("round-trips a timestamptz to the millisecond, and the database holds that same instant", async () => {
      const instant = new Date("2031-05-06T07:08:09.123Z");
      const user = await db().user.create({ data: { ...newUser(), lockedUntil: instant } });

      const read = await db().user.findUniqueOrThrow({ where: { id: user.id } });
      expect(read.lockedUntil?.toISOString()).toBe(instant.toISOString());
      // Not just a round trip that could cancel out: the stored instant, read as UTC by the database itself.
      const [row] = await db().$queryRawUnsafe<Array<{ utc: string }>>(
        `SELECT to_char(locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS utc FROM users WHERE id = $1::uuid`,
        user.id,
      );
      expect(row).toEqual({ utc: instant.toISOString() });
    });

    it("runs its sessions in UTC (both adapters write and read timestamptz without a zone offset)", async () => {
      // prisma/orm#26786, #28629: in a non-UTC session every timestamp the client
      // writes, and every database default it reads (created_at), is off by the offset.
      const [row] = await db().$queryRawUnsafe<Array<{ offset: string }>>(
        `SELECT to_char(now() AT TIME ZONE current_setting('TimeZone') - now() AT TIME ZONE 'UTC', 'HH24:MI') AS offset`,
      );
      expect(row).toEqual({ offset: "00:00" });
      const user = await db().user.create({ data: newUser() });
      expect(Math.abs(user.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it("cascades a user's deletion to its sessions and keeps (un-linked) audit events", async () => {
      const user = await db().user.create({ data: newUser() });
      await db().session.create({ data: { userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) } });
      const event = await db().authEvent.create({ data: { type: "authn_login_success", userId: user.id } });

      await db().user.delete({ where: { id: user.id } });
      expect(await db().session.count({ where: { userId: user.id } })).toBe(0);
      expect(await db().authEvent.findUnique({ where: { id: event.id } })).toMatchObject({ userId: null });
    });

    extra?.(db);
  });
}

// The one extra PGlite this file opens.
describeAdapter("PGlite through pglite-prisma-adapter", async () => {
  const pglite = new PGlite();
  await migrate(pgliteExecutor(pglite));
  const db = createPgliteClient(pglite);
  return {
    db,
    close: async () => {
      await db.$disconnect();
      await pglite.close();
    },
  };
});

const serverUrl = process.env.TEST_DATABASE_URL ?? (serverAnswers(LOCAL_SERVER) ? LOCAL_SERVER : undefined);

if (serverUrl) {
  const schema = `a_${process.pid}_${randomBytes(4).toString("hex")}`;
  describeAdapter(
    "PostgreSQL through @prisma/adapter-pg",
    async () => {
      const admin = new Client({ connectionString: serverUrl, options: `-c search_path="${schema}"` });
      await admin.connect();
      await admin.query(`CREATE SCHEMA "${schema}"`);
      await migrate(pgExecutor(admin));
      const db = createPgClient(serverUrl, { schema, poolSize: 2 });
      return {
        db,
        close: async () => {
          await db.$disconnect();
          await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
    (db) => {
      it("works inside its own schema only", async () => {
        const [row] = await db().$queryRawUnsafe<Array<{ schema: string }>>(`SELECT current_schema() AS schema`);
        expect(row).toEqual({ schema });
      });

      // pg_prepared_statements lists the statements of the asking connection only: one connection each.
      const preparedOn = async (client: Db) =>
        (await client.$queryRaw<Array<{ statement: string }>>`SELECT statement FROM pg_prepared_statements`).map((r) => r.statement);
      /** A one-connection client with this statement limit (default: the app's), disconnected afterwards. */
      const withOneConnection = async (preparedStatements: number | undefined, fn: (client: Db) => Promise<void>) => {
        const client = createPgClient(serverUrl, { schema, poolSize: 1, preparedStatements });
        try {
          await fn(client);
        } finally {
          await client.$disconnect();
        }
      };

      it("prepares each statement once per connection and reuses it", () =>
        withOneConnection(undefined, async (one) => {
          for (let i = 0; i < 3; i++) await one.user.findMany({ where: { email: `nobody${i}@example.com` } });
          const users = (await preparedOn(one)).filter((sql) => sql.includes('FROM "' + schema + '"."users"'));
          expect(users).toHaveLength(1);
        }));

      it("keeps no more statements than its limit (the rest run unnamed)", () =>
        withOneConnection(2, async (two) => {
          await two.user.findMany({ where: { email: "a@example.com" } });
          await two.session.findMany({ where: { userAgent: "x" } });
          await two.authEvent.findMany({ where: { ip: "192.0.2.1" } });
          expect(await preparedOn(two)).toHaveLength(2);
          expect(await preparedOn(two)).toHaveLength(2);
        }));

      it("prepares nothing with DATABASE_PREPARED_STATEMENTS=0 (poolers in transaction mode)", () =>
        withOneConnection(0, async (off) => {
          await off.user.findMany({ where: { email: "nobody@example.com" } });
          expect(await preparedOn(off)).toEqual([]);
        }));
    },
  );
} else {
  // Not a skip: CI always sets TEST_DATABASE_URL. Say plainly what did not run here.
  console.warn(
    "db-adapters.test.ts: no PostgreSQL (TEST_DATABASE_URL unset, nothing answers at 127.0.0.1:5432): " +
      "the @prisma/adapter-pg checks did not run",
  );
}
