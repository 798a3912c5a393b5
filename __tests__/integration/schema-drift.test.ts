import { readFileSync } from "node:fs";
import type { Db } from "@/lib/db/client";
import { openTestDb, type TestDb } from "../helpers/db";
import {
  SCHEMA_PATH,
  SchemaParseError,
  diffCatalogs,
  expectedCatalog,
  findSchemaDrift,
  normaliseDefault,
  readDatabaseCatalog,
  type Catalog,
  type QueryFn,
} from "../helpers/schema-drift";

// prisma/schema.prisma against the database the migrations build. Migrations
// are hand-written SQL, so this test is what catches a model changed without
// its migration (or a migration that does not match the model).

const SCHEMA = readFileSync(SCHEMA_PATH, "utf8");

// Loading the test database can take a few seconds on a busy machine.
jest.setTimeout(60_000);

/** The real schema with one exact edit; fails loudly if the text to replace is not there exactly once. */
function edit(source: string, find: string, replace: string): string {
  const at = source.indexOf(find);
  if (at === -1 || source.indexOf(find, at + 1) !== -1) {
    throw new Error(`expected exactly one occurrence of ${JSON.stringify(find)} in schema.prisma`);
  }
  return source.slice(0, at) + replace + source.slice(at + find.length);
}

const queryOf =
  (db: Pick<Db, "$queryRawUnsafe">): QueryFn =>
  (sql) =>
    db.$queryRawUnsafe<unknown[]>(sql);

let t: TestDb;
let migrated: Catalog;
// The drift of the real schema: empty unless the first test fails. The detector
// tests below look only at what their edit adds, so one drift is one red test.
let baseline: string[];

beforeAll(async () => {
  t = await openTestDb();
  migrated = await readDatabaseCatalog(queryOf(t.db));
  baseline = diffCatalogs(expectedCatalog(SCHEMA), migrated);
});

/** Differences `source` has with the migrated database that the real schema does not. */
const newDifferences = (source: string, actual: Catalog = migrated) =>
  diffCatalogs(expectedCatalog(source), actual).filter((d) => !baseline.includes(d));

afterAll(async () => {
  await t.close();
});

describe("schema.prisma and the migrated database", () => {
  it("agree: no drift", async () => {
    expect(await findSchemaDrift(queryOf(t.db))).toEqual([]);
  });

  it("the catalog really was read (guards against comparing two empty catalogs)", () => {
    expect([...migrated.tables.keys()].sort()).toEqual([
      "_prisma_migrations",
      "auth_events",
      "otp_codes",
      "rate_limits",
      "refresh_tokens",
      "reset_tokens",
      "sessions",
      "users",
    ]);
    expect(migrated.enums.get("Role")).toEqual(["USER", "ADMIN"]);
    const users = migrated.tables.get("users");
    expect(users?.columns.get("email")).toEqual({ type: "character varying(254)", notNull: true, default: null });
    expect(users?.columns.get("role")).toEqual({ type: "enum Role", notNull: true, default: "USER" });
    expect(users?.columns.get("created_at")).toEqual({
      type: "timestamp(3) with time zone",
      notNull: true,
      default: "CURRENT_TIMESTAMP",
    });
    expect(migrated.tables.get("otp_codes")?.foreignKeys).toEqual([
      { columns: ["user_id"], refTable: "users", refColumns: ["id"], onDelete: "Cascade", onUpdate: "Cascade" },
    ]);
  });
});

describe("the drift detector reports", () => {
  // Each case: an edit to the real schema.prisma, checked against the real
  // migrated database, and exactly the differences it must produce.
  const cases: Array<[string, string, string, string[]]> = [
    [
      "a field added without a migration",
      "  name             String    @db.VarChar(100)\n",
      "  name             String    @db.VarChar(100)\n  nickname         String?\n",
      ["table users: column nickname missing in the database (schema.prisma: text) (User.nickname)"],
    ],
    [
      "a changed VarChar length",
      "email            String    @unique @db.VarChar(254)",
      "email            String    @unique @db.VarChar(255)",
      [
        "table users: column email has type character varying(254) in the database, character varying(255) in schema.prisma (User.email)",
      ],
    ],
    [
      "a removed @@index",
      "  @@index([name])\n",
      "",
      ["table users: index (name) is in the database but not in schema.prisma"],
    ],
    [
      "an @@index whose columns are in another order",
      "@@index([userId, purpose, createdAt])",
      "@@index([purpose, userId, createdAt])",
      [
        "table otp_codes: index (purpose, user_id, created_at) missing in the database",
        "table otp_codes: index (user_id, purpose, created_at) is in the database but not in schema.prisma",
      ],
    ],
    [
      "an onDelete change",
      "  user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n\n  @@index([userId, purpose, createdAt])",
      "  user User @relation(fields: [userId], references: [id], onDelete: Restrict)\n\n  @@index([userId, purpose, createdAt])",
      [
        "table otp_codes: foreign key (user_id) → users(id) is onDelete Cascade in the database, Restrict in schema.prisma (OtpCode.user)",
      ],
    ],
    [
      "a dropped onDelete on a required relation (Prisma then means Restrict)",
      "  session Session @relation(fields: [sessionId], references: [id], onDelete: Cascade)",
      "  session Session @relation(fields: [sessionId], references: [id])",
      [
        "table refresh_tokens: foreign key (session_id) → sessions(id) is onDelete Cascade in the database, Restrict in schema.prisma (RefreshToken.session)",
      ],
    ],
    [
      "a removed @unique",
      "email            String    @unique @db.VarChar(254)",
      "email            String    @db.VarChar(254)",
      ["table users: unique index (email) is in the database but not in schema.prisma"],
    ],
    [
      "a new enum value",
      "  USER\n  ADMIN\n",
      "  USER\n  ADMIN\n  OWNER\n",
      ["enum Role: values are [USER, ADMIN] in the database, [USER, ADMIN, OWNER] in schema.prisma"],
    ],
    [
      "a changed literal default",
      "failedLoginCount Int       @default(0)",
      "failedLoginCount Int       @default(1)",
      [
        "table users: column failed_login_count has default 0 in the database, default 1 in schema.prisma (User.failedLoginCount)",
      ],
    ],
    [
      "a required field made optional",
      "  name             String    @db.VarChar(100)\n",
      "  name             String?   @db.VarChar(100)\n",
      ["table users: column name is NOT NULL in the database, nullable in schema.prisma (User.name)"],
    ],
    [
      "@updatedAt replaced by a database default",
      "updatedAt        DateTime  @updatedAt",
      "updatedAt        DateTime  @default(now())",
      [
        "table users: column updated_at has no default in the database, default CURRENT_TIMESTAMP in schema.prisma (User.updatedAt)",
      ],
    ],
    [
      "a client-side uuid(7) id turned into a database default",
      "model RefreshToken {\n  id        String    @id @default(uuid(7)) @db.Uuid",
      'model RefreshToken {\n  id        String    @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid',
      [
        "table refresh_tokens: column id has no default in the database, default gen_random_uuid() in schema.prisma (RefreshToken.id)",
      ],
    ],
    [
      "Json stored as json instead of jsonb",
      "  detail    Json?\n",
      "  detail    Json?    @db.Json\n",
      ["table auth_events: column detail has type jsonb in the database, json in schema.prisma (AuthEvent.detail)"],
    ],
    [
      "a renamed column (@map)",
      '@map("password_hash")',
      '@map("password_digest")',
      [
        "table users: column password_digest missing in the database (schema.prisma: character varying(100) NOT NULL) (User.passwordHash)",
        "table users: column password_hash (character varying(100) NOT NULL) is in the database but not in schema.prisma",
      ],
    ],
    [
      "a removed model",
      SCHEMA.slice(SCHEMA.indexOf("/// Store for rate-limiter-flexible")),
      "",
      ["table rate_limits: in the database but no model maps to it"],
    ],
    [
      "a new model and enum",
      "enum Role {",
      "enum Plan {\n  FREE\n}\n\nmodel Tenant {\n  id   Int  @id\n  plan Plan @default(FREE)\n}\n\nenum Role {",
      ["enum Plan: missing in the database (schema.prisma has [FREE])", "table Tenant: missing in the database (model Tenant)"],
    ],
    [
      "a changed primary key",
      "  key    String    @id @db.VarChar(255)\n  points Int       @default(0)\n",
      "  key    String    @db.VarChar(255)\n  points Int       @default(0)\n\n  @@id([key, points])\n",
      ["table rate_limits: primary key is (key) in the database, (key, points) in schema.prisma"],
    ],
  ];

  it.each(cases)("%s", (_title, find, replace, differences) => {
    expect(newDifferences(edit(SCHEMA, find, replace))).toEqual(differences);
  });

  it("nothing when an optional relation drops its onDelete: SetNull (Prisma's default for optional relations)", () => {
    const source = edit(
      SCHEMA,
      "@relation(fields: [userId], references: [id], onDelete: SetNull)",
      "@relation(fields: [userId], references: [id])",
    );
    expect(newDifferences(source)).toEqual([]);
  });

  it("changes made to the database, not the schema (read inside a transaction that is rolled back)", async () => {
    const rollback = new Error("roll back");
    let seen: string[] = [];
    await expect(
      t.db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`ALTER TABLE "sessions" ADD COLUMN "device" TEXT`);
        await tx.$executeRawUnsafe(`DROP INDEX "users_created_at_idx"`);
        await tx.$executeRawUnsafe(`ALTER TABLE "otp_codes" ALTER COLUMN "attempts" DROP DEFAULT`);
        await tx.$executeRawUnsafe(`ALTER TYPE "OtpPurpose" ADD VALUE 'LOGIN'`);
        seen = newDifferences(SCHEMA, await readDatabaseCatalog(queryOf(tx)));
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(seen).toEqual([
      "enum OtpPurpose: values are [VERIFY_EMAIL, CHANGE_EMAIL, LOGIN] in the database, [VERIFY_EMAIL, CHANGE_EMAIL] in schema.prisma",
      "table users: index (created_at) missing in the database",
      "table otp_codes: column attempts has no default in the database, default 0 in schema.prisma (OtpCode.attempts)",
      "table sessions: column device (text) is in the database but not in schema.prisma",
    ]);
    // …and the rollback left the database as the migrations made it.
    expect(diffCatalogs(expectedCatalog(SCHEMA), await readDatabaseCatalog(queryOf(t.db)))).toEqual(baseline);
  });

  it("an invalid schema as a readable parse error, not a silent empty catalog", () => {
    const source = edit(SCHEMA, "  name             String    @db.VarChar(100)\n", "  name             Strin\n");
    expect(() => expectedCatalog(source)).toThrow(SchemaParseError);
    // The engine's report, without its terminal colours.
    expect(() => expectedCatalog(source)).toThrow(/Type "Strin" is neither a built-in type/);
    expect(() => expectedCatalog(source)).not.toThrow(/\u001b\[/);
  });
});

describe("normaliseDefault", () => {
  it.each([
    ["'USER'::\"Role\"", "USER"],
    ["'-1'::integer", "-1"],
    ["0", "0"],
    ["'it''s'::character varying", "it's"],
    ["'{}'::jsonb", "{}"],
    ["CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP"],
    ["now()", "CURRENT_TIMESTAMP"],
    ["nextval('rate_limits_id_seq'::regclass)", "autoincrement()"],
    ["gen_random_uuid()", "gen_random_uuid()"],
    ["'a::b'::text", "a::b"],
  ])("%s → %s", (expr, normalised) => {
    expect(normaliseDefault(expr)).toBe(normalised);
  });
});
