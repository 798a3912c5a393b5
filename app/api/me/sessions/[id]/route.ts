import { NextResponse } from "next/server";
import { revokeOwnSession } from "@/lib/auth/profile";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { authenticate } from "@/lib/http/bearer";
import { clearSessionCookies } from "@/lib/http/cookies";
import { parseWith } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { sessionIdParamsSchema, type RevokeSessionResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/**
 * End one of the caller's own sessions. Someone else's session id is "not
 * found", exactly like an unknown one (the owner check is in the query).
 */
export const DELETE = apiRoute<{ id: string }>(async (req, { params }) => {
  const caller = await authenticate(req, { cookie: true });
  const { id } = parseWith(sessionIdParamsSchema, await params);
  const { current } = await revokeOwnSession(
    { userId: caller.user.id, sessionId: caller.sessionId },
    id,
    contextFromHeaders(req.headers),
  );
  const res = NextResponse.json({ current } satisfies RevokeSessionResponse);
  if (current && caller.source === "cookie") {
    clearSessionCookies(res);
  }
  return res;
});

export const { GET, POST, PUT, PATCH, OPTIONS } = methodsBesides("DELETE");
