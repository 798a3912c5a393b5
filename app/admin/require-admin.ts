import "server-only";
import type { AdminActor } from "@/lib/auth/admin";
import { requireRole } from "@/lib/auth/current-user";
import { getRequestContext, type RequestContext } from "@/lib/auth/request-context";

/**
 * The guard of every admin page and action (the layout's check may not re-run
 * on client navigation, and middleware is never the only guard): a live session
 * whose user is an ADMIN in the database now, or a redirect.
 */
export async function requireAdmin(): Promise<{ actor: AdminActor; ctx: RequestContext; email: string }> {
  const { user, session } = await requireRole("ADMIN");
  return { actor: { userId: user.id, sessionId: session.id }, ctx: await getRequestContext(), email: user.email };
}
