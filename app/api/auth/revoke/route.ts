import { sha256Hex } from "@/lib/auth/crypto";
import { contextFromHeaders, type RequestContext } from "@/lib/auth/request-context";
import { revokeSession, validateAccessToken } from "@/lib/auth/session";
import { recordEvent } from "@/lib/data/audit";
import { findRefreshToken } from "@/lib/data/sessions";
import { readBody } from "@/lib/http/body";
import { OAuthError, rejectClientAuthentication, toOAuthErrorResponse } from "@/lib/http/oauth";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { revokeRequestSchema } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

/**
 * End the session a token belongs to: a refresh token (current or already
 * rotated) or an access token. Unknown or dead tokens change nothing.
 */
async function revokeSessionOfToken(token: string, ctx: RequestContext): Promise<void> {
  let target: { sessionId: string; userId: string; email: string } | null = null;
  if (token.length <= 256) {
    const row = await findRefreshToken(sha256Hex(token));
    if (row) target = { sessionId: row.sessionId, userId: row.session.userId, email: row.session.user.email };
  }
  if (!target && token.split(".").length === 3) {
    const valid = await validateAccessToken(token);
    if (valid) target = { sessionId: valid.session.id, userId: valid.session.userId, email: valid.session.user.email };
  }
  if (target && (await revokeSession(target.sessionId, "revoked-by-client"))) {
    await recordEvent("session_revoked", ctx, {
      userId: target.userId,
      email: target.email,
      detail: { sessionId: target.sessionId, via: "revocation-endpoint" },
    });
  }
}

/**
 * RFC 7009 token revocation. Any well-formed request answers 200, whether the
 * token was live, already revoked or unknown, so the answer tells a caller
 * nothing about tokens it does not hold. The token_type_hint is only a hint:
 * both kinds are looked up.
 */
export const POST = apiRoute(
  async (req) => {
    const raw = await readBody(req, { accept: ["form", "json"] });
    rejectClientAuthentication(req, raw);
    const parsed = revokeRequestSchema.safeParse(raw);
    if (!parsed.success) throw new OAuthError("invalid_request", parsed.error.issues[0]?.message ?? "token is required");
    await revokeSessionOfToken(parsed.data.token, contextFromHeaders(req.headers));
    return new Response(null, { status: 200, headers: { "Cache-Control": "no-store", Pragma: "no-cache" } });
  },
  { onError: toOAuthErrorResponse },
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
