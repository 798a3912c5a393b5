import { NextResponse } from "next/server";
import { registerAccount } from "@/lib/auth/accounts";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { getEnv } from "@/lib/env";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { registerRequestSchemaFor, type AcceptedResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/**
 * Create an account; a 6-digit code is mailed to confirm the address. A taken
 * address gets exactly the same 202 (its owner is told by mail instead).
 */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, registerRequestSchemaFor(getEnv().PASSWORD_MIN_LENGTH));
  const { email, registration } = await registerAccount(input, contextFromHeaders(req.headers));
  const body: AcceptedResponse = {
    email,
    message: "If this address can be used, a 6-digit code is on its way. Confirm it with POST /api/auth/verify-email, sending this registration with it.",
    registration,
  };
  // The registration is a secret: no cache may keep it.
  return NextResponse.json(body, { status: 202, headers: { "Cache-Control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
