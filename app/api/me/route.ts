import { NextResponse } from "next/server";
import { changeName } from "@/lib/auth/profile";
import { contextFromHeaders } from "@/lib/auth/request-context";
import { authenticate, type Caller } from "@/lib/http/bearer";
import { parseJsonBody } from "@/lib/http/body";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { updateMeRequestSchema, type MeResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

function toMe(user: Caller["user"]): MeResponse {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    emailVerified: user.emailVerifiedAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}

/** The signed-in user (Bearer token or browser cookie), read from the live session row. */
export const GET = apiRoute(async (req) => {
  const caller = await authenticate(req, { cookie: true });
  return NextResponse.json(toMe(caller.user));
});

/** Change the display name. Only `name` is read; any other field is ignored. */
export const PATCH = apiRoute(async (req) => {
  const input = await parseJsonBody(req, updateMeRequestSchema);
  const caller = await authenticate(req, { cookie: true });
  const { name } = await changeName({ userId: caller.user.id, sessionId: caller.sessionId }, input, contextFromHeaders(req.headers));
  return NextResponse.json({ ...toMe(caller.user), name });
});

export const { POST, PUT, DELETE, OPTIONS } = methodsBesides("GET", "PATCH");
