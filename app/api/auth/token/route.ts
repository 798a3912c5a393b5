import type { z } from "zod";
import { passwordGrantEnabled, signIn } from "@/lib/auth/accounts";
import { AuthError } from "@/lib/auth/errors";
import { consume } from "@/lib/auth/rate-limit";
import { contextFromHeaders, type RequestContext } from "@/lib/auth/request-context";
import { refreshSession } from "@/lib/auth/session";
import { recordEvent } from "@/lib/data/audit";
import { readBody } from "@/lib/http/body";
import { OAuthError, rejectClientAuthentication, toOAuthErrorResponse, tokenResponse } from "@/lib/http/oauth";
import { apiRoute, methodsBesides } from "@/lib/http/route";
import { GRANT_TYPES, tokenRequestSchema } from "@/lib/validation/api";

export const dynamic = "force-dynamic";

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** The refresh grant spends the same per-IP budget as the password grant (one limit per credential endpoint). */
async function limitRefreshGrant(ctx: RequestContext): Promise<void> {
  const r = await consume("ipToken", ctx.ip);
  if (!r.allowed) {
    await recordEvent("rate_limit_exceeded", ctx, { detail: { rule: "ipToken" } });
    throw new AuthError("rate-limited", `Too many attempts. Try again in ${r.retryAfter} seconds.`, r.retryAfter);
  }
}

/**
 * RFC 6749 token endpoint for API clients (form-encoded, JSON accepted too).
 * grant_type=password signs in through the same lib flow as the browser (same
 * lockout, identical failure answer, its own IP limit); grant_type=refresh_token
 * rotates exactly like the browser refresh, reuse ending the whole session.
 */
export const POST = apiRoute(
  async (req) => {
    const raw = await readBody(req, { accept: ["form", "json"] });
    rejectClientAuthentication(req, raw);
    const grant = raw.grant_type;
    if (grant === undefined || grant === "") throw new OAuthError("invalid_request", "grant_type is required.");
    if (typeof grant !== "string") throw new OAuthError("invalid_request", "grant_type must be a string.");
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new OAuthError("unsupported_grant_type", `Supported grant types: ${GRANT_TYPES.join(", ")}.`);
    }
    if (grant === "password" && !passwordGrantEnabled()) {
      throw new OAuthError("unsupported_grant_type", "The password grant is turned off on this server.");
    }
    const parsed = tokenRequestSchema.safeParse(raw);
    if (!parsed.success) throw new OAuthError("invalid_request", describeIssues(parsed.error));
    const ctx = contextFromHeaders(req.headers);

    if (parsed.data.grant_type === "password") {
      const result = await signIn({ email: parsed.data.username, password: parsed.data.password }, ctx, { rule: "ipToken" });
      if (result.status === "verify-email") {
        // Only reached with the right password, so this says nothing to a guesser.
        throw new OAuthError(
          "invalid_grant",
          "The email address must be verified first. We sent a 6-digit code to it: confirm it with POST /api/auth/verify-email, sending this registration with it.",
          400,
          {},
          { registration: result.registration },
        );
      }
      return tokenResponse(result.tokens);
    }

    await limitRefreshGrant(ctx);
    const result = await refreshSession(parsed.data.refresh_token, ctx);
    if (!result.ok) throw new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked. Sign in again.");
    return tokenResponse(result.tokens);
  },
  { onError: toOAuthErrorResponse },
);

export const { GET, PUT, PATCH, DELETE, OPTIONS } = methodsBesides("POST");
