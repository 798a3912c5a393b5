import { NextResponse } from "next/server";
import { resendVerificationCode } from "@/lib/auth/accounts";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { resendCodeRequestSchema, type ResendCodeResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Mail a fresh code, within the resend limits. Same answer whether or not the address waits for one. */
export const POST = apiRoute(async (req) => {
  const { email } = await parseJsonBody(req, resendCodeRequestSchema);
  const { retryAfter } = await resendVerificationCode(email, contextFromHeaders(req.headers));
  const body: ResendCodeResponse = { message: "If this address is waiting for a code, a new one is on its way.", retryAfter };
  return NextResponse.json(body, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
