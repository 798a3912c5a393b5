import { NextResponse } from "next/server";
import { confirmEmailChange } from "@/lib/auth/profile";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { authenticate } from "@/lib/http/bearer";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { confirmEmailChangeRequestSchema, type EmailResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Finish an email change with the code sent to the new address. */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, confirmEmailChangeRequestSchema);
  const caller = await authenticate(req, { cookie: true });
  const { email } = await confirmEmailChange({ userId: caller.user.id, sessionId: caller.sessionId }, input, contextFromHeaders(req.headers));
  return NextResponse.json({ email } satisfies EmailResponse);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
