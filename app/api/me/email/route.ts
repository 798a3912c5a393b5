import { NextResponse } from "next/server";
import { requestEmailChange } from "@/lib/auth/profile";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { authenticate } from "@/lib/http/bearer";
import { parseJsonBody } from "@/lib/http/body";
import { rethrowAsFieldError } from "@/lib/http/errors";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { changeEmailRequestSchema, type ChangeEmailResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Start an email change: a code goes to the new address; confirm it with POST /api/me/email/confirm. */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, changeEmailRequestSchema);
  const caller = await authenticate(req, { cookie: true });
  const result = await requestEmailChange({ userId: caller.user.id, sessionId: caller.sessionId }, input, contextFromHeaders(req.headers)).catch(
    (err: unknown) => rethrowAsFieldError(err, "invalid-credentials", "currentPassword"),
  );
  const body: ChangeEmailResponse = { pendingEmail: result.pendingEmail, expiresInMinutes: result.expiresInMinutes };
  return NextResponse.json(body, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
