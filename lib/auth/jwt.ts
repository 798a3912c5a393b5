import { SignJWT, decodeProtectedHeader, jwtVerify, errors } from "jose";
import {
  ACCESS_TOKEN_TYPE,
  JWT_ALGORITHM,
  accessTokenTtlSeconds,
  clockLeewaySeconds,
  jwtAudience,
  jwtIssuer,
} from "./constants";

/**
 * Access tokens: short-lived JWTs signed with jose. Edge-safe (Web Crypto only),
 * so the middleware verifies them without a database.
 */

export type Role = "USER" | "ADMIN";
export type AccessClaims = { sub: string; sid: string; role: Role; exp: number; iat: number };

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "expired" | "invalid"; claims?: AccessClaims };

let cachedKey: { secret: string; key: Uint8Array } | undefined;
function signingKey(): Uint8Array {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error("JWT_SECRET is not configured");
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: new TextEncoder().encode(secret) };
  return cachedKey.key;
}

/** Sign an access token for a session. */
export async function signAccessToken(input: { userId: string; sessionId: string; role: Role }): Promise<string> {
  return new SignJWT({ sid: input.sessionId, role: input.role })
    .setProtectedHeader({ alg: JWT_ALGORITHM, typ: ACCESS_TOKEN_TYPE })
    .setSubject(input.userId)
    .setIssuer(jwtIssuer())
    .setAudience(jwtAudience())
    .setIssuedAt()
    .setExpirationTime(`${accessTokenTtlSeconds()}s`)
    .sign(signingKey());
}

// Header members that would let a token choose its own key: never honoured.
const FORBIDDEN_HEADER_MEMBERS = ["jwk", "jku", "x5u", "x5c", "kid", "crit", "enc", "zip"];

function toClaims(payload: Record<string, unknown>): AccessClaims | null {
  const { sub, sid, role, exp, iat } = payload;
  if (typeof sub !== "string" || typeof sid !== "string" || typeof exp !== "number" || typeof iat !== "number") {
    return null;
  }
  if (role !== "USER" && role !== "ADMIN") return null;
  return { sub, sid, role, exp, iat };
}

/**
 * Verify an access token. The algorithm is pinned; `alg: none`, other
 * algorithms, JWEs, key-carrying headers and wrong iss/aud/typ are all
 * "invalid". Never throws.
 */
export async function verifyAccessToken(token: string | undefined | null): Promise<VerifyResult> {
  if (!token || token.length > 4096) return { ok: false, reason: "invalid" };
  try {
    // A JWE has five segments; a JWS three. Reject anything else up front.
    if (token.split(".").length !== 3) return { ok: false, reason: "invalid" };
    const header = decodeProtectedHeader(token);
    if (header.alg !== JWT_ALGORITHM || header.typ !== ACCESS_TOKEN_TYPE) return { ok: false, reason: "invalid" };
    if (FORBIDDEN_HEADER_MEMBERS.some((m) => m in header)) return { ok: false, reason: "invalid" };
    const { payload } = await jwtVerify(token, signingKey(), {
      algorithms: [JWT_ALGORITHM],
      issuer: jwtIssuer(),
      audience: jwtAudience(),
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: clockLeewaySeconds(),
      requiredClaims: ["sub", "exp", "iat"],
    });
    const claims = toClaims(payload);
    return claims ? { ok: true, claims } : { ok: false, reason: "invalid" };
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      // Signature was valid; the caller may refresh (the session is still checked then).
      const claims = toClaims(err.payload as Record<string, unknown>);
      return claims ? { ok: false, reason: "expired", claims } : { ok: false, reason: "invalid" };
    }
    return { ok: false, reason: "invalid" };
  }
}
