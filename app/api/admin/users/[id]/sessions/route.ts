import { NextResponse } from "next/server";
import { revokeAllUserSessionsAsAdmin } from "@/lib/auth/admin";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { parseUserParams, requireAdminCaller } from "../../../admin-api";

export const dynamic = "force-dynamic";

/** End every session of a user. */
export const DELETE = apiRoute<{ id: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  return NextResponse.json(await revokeAllUserSessionsAsAdmin(actor, id, ctx));
});

export const { GET, POST, PUT, PATCH, OPTIONS } = methodsBesides("DELETE");
