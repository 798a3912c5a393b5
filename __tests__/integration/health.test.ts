import { GET } from "@/app/api/health/route";
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
