import { verifyEmail } from "@/lib/auth/accounts";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { parseJsonBody } from "@/lib/http/body";
import { tokenResponse } from "@/lib/http/oauth";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { verifyEmailRequestSchema } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Confirm the address with the mailed code; success signs in and returns a token pair like the token endpoint. */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, verifyEmailRequestSchema);
  return tokenResponse(await verifyEmail(input, contextFromHeaders(req.headers)));
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
