import type { NextRequest } from "next/server";
import { CSRF_REFUSED_HEADER } from "@/lib/auth/constants";
import { csrfRefusedResponse, recordCsrfRefusal } from "@/lib/auth/csrf";

export const dynamic = "force-dynamic";

/**
 * Where the middleware sends a cross-site write it refused (a rewrite, so the
 * client sees the original URL): the edge cannot reach the database, this
 * route records the refusal and gives the same 403. The marker header is one
 * the middleware strips from every incoming request, so only a refusal gets here;
 * a direct visit is a 404. The body is never read.
 */
async function refused(req: NextRequest): Promise<Response> {
  const path = req.headers.get(CSRF_REFUSED_HEADER);
  if (path === null) {
    return Response.json({ error: "not-found", message: "There is nothing at this address." }, { status: 404 });
  }
  await recordCsrfRefusal(req.headers, path);
  return csrfRefusedResponse();
}

export { refused as GET, refused as POST, refused as PUT, refused as PATCH, refused as DELETE };
