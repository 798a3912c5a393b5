import { NextResponse } from "next/server";
import { resetPassword } from "@/lib/auth/recovery";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { getEnv } from "@/lib/env";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { resetPasswordRequestSchemaFor, type ResetPasswordResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Set a new password with the token from the mailed link. Every session ends; nobody is signed in. */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, resetPasswordRequestSchemaFor(getEnv().PASSWORD_MIN_LENGTH));
  const { email } = await resetPassword(input, contextFromHeaders(req.headers));
  const body: ResetPasswordResponse = { email, message: "Your password was changed. Sign in with the new one." };
  return NextResponse.json(body, { headers: { "Referrer-Policy": "no-referrer" } });
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
