import { NextResponse } from "next/server";
import { changeUserRole } from "@/lib/auth/admin";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { changeRoleRequestSchema, parseUserParams, requireAdminCaller } from "../../../admin-api";

export const dynamic = "force-dynamic";

/** Make a user an ADMIN or a USER; the last administrator cannot be demoted. */
export const PUT = apiRoute<{ id: string }>(async (req, { params }) => {
  const input = await parseJsonBody(req, changeRoleRequestSchema);
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  return NextResponse.json(await changeUserRole(actor, id, input.role, ctx));
});

export const { GET, POST, PATCH, DELETE, OPTIONS } = methodsBesides("PUT");
