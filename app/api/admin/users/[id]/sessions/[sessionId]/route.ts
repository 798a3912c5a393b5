import { NextResponse } from "next/server";
import { revokeUserSessionAsAdmin } from "@/lib/auth/admin";
import { RequestError } from "@/lib/http/errors";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { requireAdminCaller, userSessionParamsSchema } from "../../../../admin-api";

export const dynamic = "force-dynamic";

/** End one session of a user (another user's session id is "not found"). */
export const DELETE = apiRoute<{ id: string; sessionId: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const parsed = userSessionParamsSchema.safeParse(await params);
  if (!parsed.success) throw new RequestError("not-found", "That session was not found or has already ended.");
  await revokeUserSessionAsAdmin(actor, parsed.data.id, parsed.data.sessionId, ctx);
  return NextResponse.json({ ok: true });
});

export const { GET, POST, PUT, PATCH, OPTIONS } = methodsBesides("DELETE");
