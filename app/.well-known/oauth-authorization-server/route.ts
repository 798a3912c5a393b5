import { passwordGrantEnabled } from "@/lib/auth/accounts";
import { appOrigin, jwtIssuer } from "@/lib/auth/constants";

export const dynamic = "force-dynamic";

/**
 * OAuth 2.0 authorization-server metadata (RFC 8414), so client libraries
 * (oauth4webapi, openid-client) discover the endpoints from the issuer alone.
 * `issuer` is the access tokens' `iss`: discovery then checks the same value
 * token validation does. Served at the root well-known path only, which is
 * where RFC 8414 looks for an issuer without a path component (the default,
 * APP_URL's origin). There is no authorization endpoint (no redirect-based
 * flow), hence `response_types_supported: []`; public clients only, hence
 * the "none" client authentication. Nothing secret or per-user in it, so it
 * may be cached for as long as the JWKS document.
 */
export async function GET(): Promise<Response> {
  const origin = appOrigin();
  const metadata = {
    issuer: jwtIssuer(),
    token_endpoint: `${origin}/api/auth/token`,
    revocation_endpoint: `${origin}/api/auth/revoke`,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    grant_types_supported: [...(passwordGrantEnabled() ? ["password"] : []), "refresh_token"],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    service_documentation: `${origin}/api/docs`,
  };
  return Response.json(metadata, { headers: { "Cache-Control": "public, max-age=300" } });
}
