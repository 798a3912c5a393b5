import { NextResponse } from "next/server";
import { listSessions } from "@/lib/auth/profile";
import { authenticate } from "@/lib/http/bearer";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import type { SessionsResponse } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/** The caller's live sessions (devices), this one first. */
export const GET = apiRoute(async (req) => {
  const caller = await authenticate(req, { cookie: true });
  const sessions = await listSessions({ userId: caller.user.id, sessionId: caller.sessionId });
  const body: SessionsResponse = {
    sessions: sessions.map((s) => ({
      id: s.id,
      current: s.current,
      device: s.device,
      ip: s.ip,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
    })),
  };
  return NextResponse.json(body);
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
