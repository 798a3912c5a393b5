import { NextResponse } from "next/server";
import { auditQuerySchema, listAuditEvents } from "@/lib/auth/admin";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { parseApiQuery, requireAdminCaller, toEventJson } from "../admin-api";

export const dynamic = "force-dynamic";

/** Audit events of every user, filtered, newest first (CSV: GET /admin/audit/export). */
export const GET = apiRoute(async (req) => {
  const query = parseApiQuery(auditQuerySchema, req);
  const { actor, ctx } = await requireAdminCaller(req);
  const page = await listAuditEvents(actor, query, ctx);
  return NextResponse.json({ events: page.events.map(toEventJson), next: page.next, previous: page.previous });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
