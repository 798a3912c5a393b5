import { errorResponse } from "@/lib/http/errors";
import { apiRoute } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Every /api address no route claims (/api itself included): 404 in the API's JSON error shape (not Next's HTML page). */
const notFound = apiRoute(async () => errorResponse("not-found", "There is no API endpoint at this address. See /api/docs."));

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
