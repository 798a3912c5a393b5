import type { NextRequest } from "next/server";
import { CSRF_MESSAGE, CSRF_REFUSED_HEADER } from "@/lib/auth/constants";
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
  // A form the browser posted itself (no script: a top-level navigation) is shown to a
  // person, who gets a page to read; scripts and API clients keep the one JSON error shape.
  if (req.headers.get("sec-fetch-mode") === "navigate") return refusedPage();
  return csrfRefusedResponse();
}

/** The same 403 as a small page: what happened and a way back. No script, nothing echoed from the request. */
function refusedPage(): Response {
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Request refused · Gatehouse</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1 style="font-size: 1.5rem">Request refused</h1>
<p>${CSRF_MESSAGE} Nothing was changed.</p>
<p>If you sent a form from this site, open the page again and send it from there.</p>
<p><a href="/">Go to the home page</a></p>
</body>
</html>
`;
  return new Response(html, {
    status: 403,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

export { refused as GET, refused as POST, refused as PUT, refused as PATCH, refused as DELETE };
