import { databaseIsUp } from "@/lib/db/health";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and monitors. */
export async function GET(): Promise<Response> {
  const up = await databaseIsUp(2_000);
  return Response.json(
    { status: up ? "ok" : "unavailable", database: up ? "ok" : "unavailable" },
    { status: up ? 200 : 503, headers: { "Cache-Control": "no-store" } },
  );
}
