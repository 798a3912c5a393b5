import { NextResponse } from "next/server";
import { sendPasswordResetAsAdmin } from "@/lib/auth/admin";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { parseUserParams, requireAdminCaller } from "../../../admin-api";

export const dynamic = "force-dynamic";

/** Mail the user a password-reset link, as if they had asked for one. */
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  await sendPasswordResetAsAdmin(actor, id, ctx);
  return NextResponse.json({ ok: true });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
