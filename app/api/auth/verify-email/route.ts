import { NextResponse } from "next/server";
import { verifyEmail } from "@/lib/auth/accounts";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { parseJsonBody } from "@/lib/http/body";
import { tokenResponse } from "@/lib/http/oauth";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { verifyEmailRequestSchema, type PasswordSetupResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/**
 * Confirm the address with the mailed code. With the register answer's
 * `registration`, success signs in and returns a token pair like the token
 * endpoint; without it, the address is confirmed and a password link mailed.
 */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, verifyEmailRequestSchema);
  const result = await verifyEmail(input, contextFromHeaders(req.headers));
  if (result.status === "signed-in") return tokenResponse(result.tokens);
  const body: PasswordSetupResponse = { status: "set-password", email: result.email, message: result.message };
  return NextResponse.json(body, { status: 202, headers: { "Cache-Control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
