import { apiRoute, methodsBesides } from "@/lib/http/route";
import { docsHtml } from "@/lib/openapi/docs-assets";
import { getEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

/** Interactive API documentation (Swagger UI from node_modules, no CDN). */
// no-store (the wrapper's default): the page carries this response's CSP nonce, which must never be reused.
export const GET = apiRoute(
  async (req) =>
    new Response(docsHtml(`${getEnv().APP_NAME} API`, req.headers.get("x-nonce")), {
      headers: { "Content-Type": "text/html; charset=utf-8", "Referrer-Policy": "no-referrer" },
    }),
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
