import { NextResponse } from "next/server";
import { requestPasswordReset } from "@/lib/auth/recovery";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { forgotPasswordRequestSchema, type MessageResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Ask for a reset link by mail. The same 202 for every address, known or not. */
export const POST = apiRoute(async (req) => {
  const { email } = await parseJsonBody(req, forgotPasswordRequestSchema);
  const { message } = await requestPasswordReset(email, contextFromHeaders(req.headers));
  return NextResponse.json({ message } satisfies MessageResponse, { status: 202 });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
