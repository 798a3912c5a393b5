import { NextResponse } from "next/server";
import { changePassword } from "@/lib/auth/profile";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { getEnv } from "@/lib/env";
import { authenticate } from "@/lib/http/bearer";
import { parseJsonBody } from "@/lib/http/body";
import { rethrowAsFieldError } from "@/lib/http/errors";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { changePasswordRequestSchemaFor, type ChangePasswordResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** Change the password (the current one is required); every other session ends. */
export const POST = apiRoute(async (req) => {
  const input = await parseJsonBody(req, changePasswordRequestSchemaFor(getEnv().PASSWORD_MIN_LENGTH));
  const caller = await authenticate(req, { cookie: true });
  const result = await changePassword({ userId: caller.user.id, sessionId: caller.sessionId }, input, contextFromHeaders(req.headers)).catch(
    (err: unknown) => rethrowAsFieldError(err, "invalid-credentials", "currentPassword"),
  );
  return NextResponse.json({ revokedSessions: result.revokedSessions } satisfies ChangePasswordResponse);
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
