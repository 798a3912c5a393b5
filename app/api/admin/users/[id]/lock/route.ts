import { NextResponse } from "next/server";
import { lockUserAccount, unlockUserAccount } from "@/lib/auth/admin";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { lockRequestSchema, parseUserParams, requireAdminCaller } from "../../../admin-api";

export const dynamic = "force-dynamic";

/** Lock sign-in for a duration (or until unlocked); every session of the user ends. */
export const POST = apiRoute<{ id: string }>(async (req, { params }) => {
  const input = await parseJsonBody(req, lockRequestSchema);
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  const r = await lockUserAccount(actor, id, input.duration, ctx);
  return NextResponse.json({ lockedUntil: r.lockedUntil.toISOString(), revokedSessions: r.revokedSessions });
});

/** Unlock and clear the failed sign-in count. */
export const DELETE = apiRoute<{ id: string }>(async (req, { params }) => {
  const { actor, ctx } = await requireAdminCaller(req);
  const { id } = parseUserParams(await params);
  await unlockUserAccount(actor, id, ctx);
  return NextResponse.json({ ok: true });
});

export const { GET, PUT, PATCH, OPTIONS } = methodsBesides("POST", "DELETE");
