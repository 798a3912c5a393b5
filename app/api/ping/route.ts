import { NextResponse } from "next/server";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import type { PingResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

const PONG: PingResponse = { status: "ok" };

/**
 * Liveness only: the process is up and serving requests. No database (that is
 * /api/health), so a restart loop is never triggered by a database outage; the
 * constant answer is also the benchmarks' baseline for what a request costs.
 */
export const GET = apiRoute(async () => NextResponse.json(PONG));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
