import type { NextRequest } from "next/server";
import { auditQuerySchema, exportAuditCsv, parseAdminQuery } from "@/lib/auth/admin";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { authenticate } from "@/lib/http/bearer";
import { RequestError } from "@/lib/http/errors";
import { apiRoute, methodsBesides } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * GET /admin/audit/export?type=&email=&ip=&from=&to= — the filtered audit trail
 * as CSV. A GET is right for an export: it changes nothing (it only records
 * that it happened). The middleware is not trusted here: the session cookie (or
 * a Bearer token) is checked against its live session row and the user's
 * current role: 401 without a valid session, 403 for a non-admin.
 */
export const GET = apiRoute(async (req: NextRequest) => {
  const caller = await authenticate(req, { cookie: true, role: "ADMIN" });
  const { data, fieldErrors, invalid } = parseAdminQuery(auditQuerySchema, req.nextUrl.searchParams);
  if (invalid.length) throw new RequestError("validation-failed", "Some filters are not valid.", fieldErrors);
  const lines = await exportAuditCsv({ userId: caller.user.id, sessionId: caller.sessionId }, data, contextFromHeaders(req.headers));
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="gatehouse-audit-${stamp}Z.csv"`,
      "X-Content-Type-Options": "nosniff",
    },
  });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
