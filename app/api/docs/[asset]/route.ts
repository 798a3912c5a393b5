import { errorResponse } from "@/lib/http/errors";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { isDocsAsset, openDocsAsset } from "@/lib/openapi/docs-assets";

export const dynamic = "force-dynamic";

/** The docs page's files, from a fixed list only: the name never becomes a path. */
export const GET = apiRoute<{ asset: string }>(
  async (_req, { params }) => {
    const { asset } = await params;
    const opened = isDocsAsset(asset) ? await openDocsAsset(asset) : null;
    if (!opened) return errorResponse("not-found", "There is no such file.");
    const headers: Record<string, string> = { "Content-Type": opened.type, "X-Content-Type-Options": "nosniff" };
    if (opened.length !== undefined) headers["Content-Length"] = String(opened.length);
    return new Response(opened.body, { headers });
  },
  { cache: "public, max-age=3600" },
);

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
