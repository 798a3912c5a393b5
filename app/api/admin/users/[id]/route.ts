import { NextResponse } from "next/server";
import { deleteUserAccount, getUserDetail } from "@/lib/auth/admin";
import { AuthError } from "@/lib/auth/errors";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { deleteRequestSchema, parseUserParams, requireAdminCaller, toDetailJson } from "../../admin-api";

export const dynamic = "force-dynamic";

/** A user with their sessions and latest events. */
export const GET = apiRoute<{ id: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  const detail = await getUserDetail(actor, id, ctx);
  if (!detail) throw new AuthError("not-found", "That user was not found.");
  return NextResponse.json(toDetailJson(detail, detail.user.id, detail.user.email));
});

/** Delete a user; the body confirms with the user's current email address. */
export const DELETE = apiRoute<{ id: string }>(async (req, { params }) => {
  const input = await parseJsonBody(req, deleteRequestSchema);
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  const { email } = await deleteUserAccount(actor, id, input.confirmEmail, ctx);
  return NextResponse.json({ deleted: email });
});

export const { POST, PUT, PATCH, OPTIONS } = methodsBesides("GET", "DELETE");
