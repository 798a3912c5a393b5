import { NextResponse } from "next/server";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { getOpenApiDocument, type PathGroup } from "@/lib/openapi/document";
import { adminApiPaths } from "../admin/admin-api";

export const dynamic = "force-dynamic";

// Path groups described next to their routes (lib/openapi never imports from app/).
const GROUPS: PathGroup[] = [{ name: "Admin", paths: adminApiPaths }];

/** The OpenAPI 3.1 document, generated from the handlers' own zod schemas. */
export const GET = apiRoute(async () => NextResponse.json(getOpenApiDocument(GROUPS)), { cache: "public, max-age=300" });

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
