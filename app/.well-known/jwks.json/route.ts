import { publicJwks } from "@/lib/auth/jwt";

export const dynamic = "force-dynamic";

/**
 * Public keys for verifying access tokens (RFC 7517), current and previous, so
 * other services can check tokens with jose's createRemoteJWKSet. Empty while
 * tokens are signed with the shared HS256 secret.
 */
export async function GET(): Promise<Response> {
  return Response.json(await publicJwks(), {
    headers: { "Cache-Control": "public, max-age=300", "Content-Type": "application/jwk-set+json" },
  });
}
