import { spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { createPgClient, POOL_WAIT_MS, type Db } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/errors";

// The errors PostgreSQL outages really produce through @prisma/adapter-pg, each
// recognised as "database unavailable" (503, never 500), and the pool working
// again by itself afterwards. Found by `npm run test:load` / `test:faults`
// (load/README.md): each of these surfaced as a 500 before.

const ROOT = path.resolve(__dirname, "../..");
const LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres";

function serverAnswers(url: string): boolean {
  const probe = `const { Client } = require("pg");
const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ["-e", probe, url], { cwd: ROOT, timeout: 10_000 }).status === 0;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/** A TCP proxy to PostgreSQL whose connections can be cut, like a server that dies. */
async function cuttableProxy(target: URL): Promise<{ url: string; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = new URL(target.toString());
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const serverUrl = process.env.TEST_DATABASE_URL ?? (serverAnswers(LOCAL_SERVER) ? LOCAL_SERVER : undefined);

if (serverUrl) {
  describe("PostgreSQL outages through @prisma/adapter-pg", () => {
    jest.setTimeout(30_000);
    const opened: Db[] = [];
    const open = (url: string, poolSize = 1) => {
      const db = createPgClient(url, { poolSize });
      opened.push(db);
      return db;
    };
    afterAll(async () => {
      await Promise.all(opened.map((db) => db.$disconnect().catch(() => {})));
    });

    it("a server that refuses connections", async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      const url = new URL(serverUrl);
      url.hostname = "127.0.0.1";
      url.port = String(closed);
      const err = await rejection(open(url.toString()).$queryRawUnsafe("SELECT 1"));
      expect(isDatabaseUnavailable(err)).toBe(true);
    });

    it("a connection killed by the server (57P01, as in a shutdown), and the pool recovering by itself", async () => {
      const db = open(serverUrl);
      const [row] = await db.$queryRawUnsafe<Array<{ pid: number }>>("SELECT pg_backend_pid() AS pid");
      const pid = row!.pid;
      const running = rejection(db.$queryRawUnsafe("SELECT pg_sleep(5)::text"));
      await new Promise((r) => setTimeout(r, 300));
      const other = createPgClient(serverUrl, { poolSize: 1 });
      await other.$queryRawUnsafe("SELECT pg_terminate_backend($1)", pid);
      await other.$disconnect();
      const err = await running;
      expect(isDatabaseUnavailable(err)).toBe(true);
      // No restart, no reconnect call: the next query gets a fresh connection.
      await expect(db.$queryRawUnsafe("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
    });

    it("a connection cut under a query (the server vanished), and the pool recovering by itself", async () => {
      const proxy = await cuttableProxy(new URL(serverUrl));
      try {
        const db = open(proxy.url);
        await db.$queryRawUnsafe("SELECT 1");
        const running = rejection(db.$queryRawUnsafe("SELECT pg_sleep(5)::text"));
        await new Promise((r) => setTimeout(r, 300));
        proxy.cut();
        const err = await running;
        expect(String((err as Error).message)).toMatch(/Connection terminated/);
        expect(isDatabaseUnavailable(err)).toBe(true);
        await expect(db.$queryRawUnsafe("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
      } finally {
        await proxy.close();
      }
    });

    it("no connection free within the pool wait, for queries and for interactive transactions alike", async () => {
      const db = open(serverUrl);
      const holding = db.$transaction(async (tx) => {
        await tx.$queryRawUnsafe(`SELECT pg_sleep(${(POOL_WAIT_MS + 1_000) / 1000})::text`);
      }, { timeout: POOL_WAIT_MS + 5_000 });
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const [query, transaction] = await Promise.all([
        rejection(db.$queryRawUnsafe("SELECT 1")),
        rejection(db.$transaction(async (tx) => tx.$queryRawUnsafe("SELECT 1"))),
      ]);
      const waited = Date.now() - started;
      expect(isDatabaseUnavailable(query)).toBe(true); // pg-pool: "timeout exceeded when trying to connect"
      expect(isDatabaseUnavailable(transaction)).toBe(true); // Prisma P2028
      // A transaction waits as long as any query (Prisma's own default is 2 s).
      expect(waited).toBeGreaterThanOrEqual(POOL_WAIT_MS - 500);
      await holding;
      await expect(db.$queryRawUnsafe("SELECT 1 AS one")).resolves.toEqual([{ one: 1 }]);
    });
  });
} else {
  // Not a skip: CI always sets TEST_DATABASE_URL. Say plainly what did not run here.
  console.warn("db-errors.test.ts: no PostgreSQL (TEST_DATABASE_URL unset, nothing answers at 127.0.0.1:5432): the outage checks did not run");
  it("has no PostgreSQL to run against", () => {});
}
