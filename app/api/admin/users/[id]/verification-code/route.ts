import { NextResponse } from "next/server";
import { resendVerificationCodeAsAdmin } from "@/lib/auth/admin";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { parseUserParams, requireAdminCaller } from "../../../admin-api";

export const dynamic = "force-dynamic";

/** Mail a new confirmation code to an unverified user (per-account send limits apply). */
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  await resendVerificationCodeAsAdmin(actor, id, ctx);
  return NextResponse.json({ ok: true });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
