import { NextRequest } from "next/server";
import { GET as USERS } from "@/app/api/admin/users/route";
import { POST as TOKEN } from "@/app/api/auth/token/route";
import { CLIENT_IP_HEADER } from "@/lib/auth/constants";
import { hashPassword } from "@/lib/auth/password";
import { REFUSAL_AUDIT_LIMIT, recordEvent } from "@/lib/data/audit";
import { PURGE_BATCH_SIZE, PURGE_CLAIM_KEY, purgeExpiredRecords, resetPurgeScheduleForTests, settlePurgeForTests } from "@/lib/data/maintenance";
import { createUser } from "@/lib/data/users";
import { CTX, PASSWORD, sessionFor, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

/**
 * What a stranger can make the app store is capped (refusal events per IP or
 * user), and what it stores does not live forever: expired rate-limit rows and
 * audit rows past AUDIT_RETENTION_DAYS are purged by the app itself, by one
 * instance at a time, without an external scheduler.
 */

const h = setupAuthHarness();
const APP = "http://localhost:3000";
const DAY = 24 * 3600 * 1000;

const savedPreload = process.env.GATEHOUSE_CLIENT_IP_PRELOAD;
beforeEach(() => (process.env.GATEHOUSE_CLIENT_IP_PRELOAD = "1"));
afterAll(() => (process.env.GATEHOUSE_CLIENT_IP_PRELOAD = savedPreload));

/** Let every window of the rate-limit table (caps included) end now. */
async function passTheWindow(): Promise<void> {
  await h.db.$executeRawUnsafe(`UPDATE "rate_limits" SET "expire" = now() - interval '1 millisecond' WHERE "key" <> $1`, PURGE_CLAIM_KEY);
}

async function releaseClaim(): Promise<void> {
  await h.db.$executeRawUnsafe(`DELETE FROM "rate_limits" WHERE "key" = $1`, PURGE_CLAIM_KEY);
}

async function oldEvents(n: number, ageDays: number, tag: string): Promise<void> {
  const createdAt = new Date(Date.now() - ageDays * DAY);
  await h.db.authEvent.createMany({
    data: Array.from({ length: n }, (_, i) => ({ type: "authn_login_success", requestId: `${tag}-${i}`, createdAt })),
  });
}

describe("refusal events are stored at a capped rate", () => {
  it(`300 USER calls to /api/admin/users are all refused but store at most ${REFUSAL_AUDIT_LIMIT.points} authz_fail rows a minute`, async () => {
    const user = await createUser({ email: uniqueEmail("nosy"), name: "Nosy", passwordHash: await hashPassword(PASSWORD) });
    const { accessToken } = await sessionFor({ id: user.id, role: "USER" }, CTX);
    const statuses = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const req = new NextRequest(new URL("/api/admin/users", APP), {
        headers: { authorization: `Bearer ${accessToken}`, [CLIENT_IP_HEADER]: "198.51.100.40" },
      });
      statuses.add((await USERS(req, { params: Promise.resolve({}) })).status);
    }
    expect([...statuses]).toEqual([403]);
    expect(await h.db.authEvent.count({ where: { type: "authz_fail" } })).toBe(REFUSAL_AUDIT_LIMIT.points);

    // The cap is a rate, not a ceiling: the next window records again.
    await passTheWindow();
    await USERS(new NextRequest(new URL("/api/admin/users", APP), { headers: { authorization: `Bearer ${accessToken}` } }), {
      params: Promise.resolve({}),
    });
    expect(await h.db.authEvent.count({ where: { type: "authz_fail" } })).toBe(REFUSAL_AUDIT_LIMIT.points + 1);
  });

  it(`100 rate-limited token requests from one IP store at most ${REFUSAL_AUDIT_LIMIT.points} rate_limit_exceeded rows; another IP still gets its own`, async () => {
    const post = (ip: string) =>
      TOKEN(
        new NextRequest(new URL("/api/auth/token", APP), {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", [CLIENT_IP_HEADER]: ip },
          body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "not-a-token" }).toString(),
        }),
      );
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await post("198.51.100.41")).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(70);
    expect(await h.db.authEvent.count({ where: { type: "rate_limit_exceeded", ip: "198.51.100.41" } })).toBe(REFUSAL_AUDIT_LIMIT.points);
    for (let i = 0; i < 31; i++) await post("198.51.100.42");
    expect(await h.db.authEvent.count({ where: { type: "rate_limit_exceeded", ip: "198.51.100.42" } })).toBe(1);
  });

  it("events that are not refusals are never capped", async () => {
    for (let i = 0; i < REFUSAL_AUDIT_LIMIT.points + 5; i++) await recordEvent("authn_login_success", CTX);
    expect(await h.db.authEvent.count({ where: { type: "authn_login_success" } })).toBe(REFUSAL_AUDIT_LIMIT.points + 5);
  });
});

describe("purgeExpiredRecords", () => {
  it("deletes expired rate_limits rows and keeps live ones", async () => {
    await h.db.rateLimit.createMany({
      data: [
        { key: "ipSignIn:old-1", points: 3, expire: new Date(Date.now() - 60_000) },
        { key: "ipSignIn:old-2", points: 1, expire: new Date(Date.now() - DAY) },
        { key: "ipSignIn:live", points: 2, expire: new Date(Date.now() + 60_000) },
      ],
    });
    const result = await purgeExpiredRecords();
    expect(result).toMatchObject({ ran: true, rateLimits: 2 });
    const keys = (await h.db.rateLimit.findMany({ select: { key: true } })).map((r) => r.key).sort();
    expect(keys).toEqual(["ipSignIn:live", PURGE_CLAIM_KEY].sort());
  });

  it("deletes auth_events older than AUDIT_RETENTION_DAYS in bounded batches and keeps newer ones", async () => {
    h.setEnv({ AUDIT_RETENTION_DAYS: "30" });
    await oldEvents(PURGE_BATCH_SIZE + 7, 31, "old");
    await oldEvents(5, 29, "recent");
    const result = await purgeExpiredRecords();
    expect(result).toMatchObject({ ran: true, authEvents: PURGE_BATCH_SIZE + 7 });
    const left = await h.db.authEvent.findMany({ select: { requestId: true } });
    expect(left).toHaveLength(5);
    expect(left.every((e) => e.requestId?.startsWith("recent-"))).toBe(true);
  });

  it("keeps a year of audit rows by default", async () => {
    await oldEvents(3, 366, "older-than-a-year");
    await oldEvents(2, 364, "within-a-year");
    expect(await purgeExpiredRecords()).toMatchObject({ ran: true, authEvents: 3 });
    expect(await h.db.authEvent.count()).toBe(2);
  });

  it("two concurrent purges (two instances) do not both run, and the next one waits for the interval", async () => {
    await oldEvents(10, 400, "old");
    const results = await Promise.all([purgeExpiredRecords(), purgeExpiredRecords(), purgeExpiredRecords()]);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    expect(await h.db.authEvent.count()).toBe(0);
    // Within the interval, nobody purges again.
    await oldEvents(1, 400, "later");
    expect(await purgeExpiredRecords()).toEqual({ ran: false });
    await releaseClaim();
    expect(await purgeExpiredRecords()).toMatchObject({ ran: true, authEvents: 1 });
  });

  it("runs without an external scheduler: a recorded event starts it once the interval has passed, at most once per interval per process", async () => {
    await oldEvents(4, 400, "old");
    await recordEvent("authn_login_success", CTX);
    await settlePurgeForTests();
    expect(await h.db.authEvent.count({ where: { requestId: { startsWith: "old-" } } })).toBe(4); // not due yet

    resetPurgeScheduleForTests();
    await recordEvent("authn_login_success", CTX);
    await settlePurgeForTests();
    expect(await h.db.authEvent.count({ where: { requestId: { startsWith: "old-" } } })).toBe(0);

    await releaseClaim();
    await oldEvents(1, 400, "again");
    await recordEvent("authn_login_success", CTX);
    await settlePurgeForTests();
    expect(await h.db.authEvent.count({ where: { requestId: "again-0" } })).toBe(1); // this process already purged
  });
});
