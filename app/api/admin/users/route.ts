import { NextResponse } from "next/server";
import { listUsers, userListQuerySchema } from "@/lib/auth/admin";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { parseApiQuery, requireAdminCaller, toUserJson } from "../admin-api";

export const dynamic = "force-dynamic";

/** Search and filter users, newest first, one keyset page at a time (`after` / `before`). */
export const GET = apiRoute(async (req) => {
  const query = parseApiQuery(userListQuerySchema, req);
  const { actor, ctx } = await requireAdminCaller(req);
  const page = await listUsers(actor, query, ctx);
  return NextResponse.json({ users: page.users.map(toUserJson), next: page.next, previous: page.previous });
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("GET");
