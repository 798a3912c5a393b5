import { NextResponse } from "next/server";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { invalidateUserSessions, revokeSession } from "@/lib/auth/session";
import { recordEvent } from "@/lib/data/audit";
import { authenticate } from "@/lib/http/bearer";
import { clearSessionCookies } from "@/lib/http/cookies";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { logoutRequestSchema, type LogoutResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/**
 * Sign out (Bearer token or browser cookie): this session, or with
 * `{ "all": true }` every session of the account. Revocation is server-side,
 * so the access token stops working at once; a cookie caller also gets both
 * cookies cleared.
 */
export const POST = apiRoute(async (req) => {
  const body = await parseJsonBody(req, logoutRequestSchema, { optional: true });
  const caller = await authenticate(req, { cookie: true });
  const ctx = contextFromHeaders(req.headers);
  let revoked: number;
  if (body.all) {
    revoked = await invalidateUserSessions(caller.user.id, "sign-out-everywhere");
    await recordEvent("session_revoked_all", ctx, { userId: caller.user.id, email: caller.user.email, detail: { count: revoked } });
  } else {
    revoked = (await revokeSession(caller.sessionId, "sign-out")) ? 1 : 0;
    await recordEvent("logout", ctx, { userId: caller.user.id, email: caller.user.email });
  }
  const res = NextResponse.json({ revoked } satisfies LogoutResponse);
  if (caller.source === "cookie") {
    clearSessionCookies(res);
  }
  return res;
});

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
