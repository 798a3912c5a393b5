import { NextRequest } from "next/server";
import { GET } from "@/app/api/health/route";
import { GET as PING, POST as PING_POST } from "@/app/api/ping/route";
import { closeDb, createPgClient, setDb } from "@/lib/db/client";
import { openTestDb } from "../helpers/db";

describe("GET /api/health", () => {
  it("answers 200 ok when the database answers", async () => {
    const t = await openTestDb();
    try {
      const res = await GET();
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "ok", database: "ok" });
      expect(res.headers.get("cache-control")).toBe("no-store");
    } finally {
      await t.close();
    }
  });

  it("answers 503 with the same shape when the database does not answer", async () => {
    // A port nothing listens on: the connection is refused.
    setDb(createPgClient("postgresql://postgres@127.0.0.1:1/none", { poolSize: 1 }));
    try {
      const res = await GET();
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: "unavailable", database: "unavailable" });
    } finally {
      await closeDb();
    }
  });
});

describe("GET /api/ping", () => {
  const ping = () => PING(new NextRequest("http://localhost:3000/api/ping"));

  it("answers a constant 200 {status: ok}, never cached", async () => {
    const res = await ping();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("does not touch the database: still 200, at once, while it is down", async () => {
    setDb(createPgClient("postgresql://postgres@127.0.0.1:1/none", { poolSize: 1 }));
    try {
      const started = performance.now();
      const res = await ping();
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      await closeDb();
    }
  });

  it("answers other methods 405 with Allow", async () => {
    const res = await PING_POST(new NextRequest("http://localhost:3000/api/ping", { method: "POST" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
  });
});
