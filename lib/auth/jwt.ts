import { SignJWT, calculateJwkThumbprint, decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK } from "jose";
import {
  ACCESS_TOKEN_CLIENT_ID,
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

// Imported once per secret: jose would otherwise import raw key bytes into Web
// Crypto on every sign and verify (about half of a verification's CPU time).
let cachedKey: { secret: string; key: Promise<CryptoKey> } | undefined;
function hmacKey(): Promise<CryptoKey> {
  const secret = process.env.JWT_SECRET;
  if (!secret) throw new Error("JWT_SECRET is not configured");
  if (cachedKey?.secret !== secret) {
    const key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    cachedKey = { secret, key };
  }
  return cachedKey.key;
}

/**
 * Asymmetric signing (optional): JWT_SIGNING_KEY holds an Ed25519 private JWK;
 * tokens are then signed with EdDSA and carry its thumbprint as `kid`.
 * JWT_VERIFY_KEYS (a JSON array of public JWKs) keeps previous keys valid
 * after a rotation, so nobody is signed out. Both are published at
 * /.well-known/jwks.json for resource servers.
 */
export type PublicJwk = JWK & { kid: string; alg: "EdDSA"; use: "sig" };
type KeySet = {
  source: string;
  signing?: { kid: string; key: CryptoKey | Uint8Array };
  verify: Map<string, CryptoKey | Uint8Array>;
  published: PublicJwk[];
};
let cachedKeySet: Promise<KeySet> | undefined;
let cachedKeySource: string | undefined;

function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

async function loadKeySet(): Promise<KeySet> {
  const signingRaw = process.env.JWT_SIGNING_KEY?.trim();
  const verifyRaw = process.env.JWT_VERIFY_KEYS?.trim();
  const source = `${signingRaw ?? ""}|${verifyRaw ?? ""}`;
  if (cachedKeySet && cachedKeySource === source) return cachedKeySet;
  cachedKeySource = source;
  cachedKeySet = (async () => {
    const set: KeySet = { source, verify: new Map(), published: [] };
    const addPublic = async (jwk: JWK) => {
      if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
        throw new Error("JWT keys must be Ed25519 JWKs (kty OKP, crv Ed25519)");
      }
      const pub = publicPart(jwk);
      const kid = await calculateJwkThumbprint(pub);
      if (!set.verify.has(kid)) {
        set.verify.set(kid, (await importJWK(pub, "EdDSA")) as CryptoKey);
        set.published.push({ ...pub, kid, alg: "EdDSA", use: "sig" });
      }
      return kid;
    };
    if (signingRaw) {
      const jwk = JSON.parse(signingRaw) as JWK;
      if (typeof jwk.d !== "string") throw new Error("JWT_SIGNING_KEY must be a private Ed25519 JWK (with d)");
      const kid = await addPublic(jwk);
      set.signing = { kid, key: (await importJWK(jwk, "EdDSA")) as CryptoKey };
    }
    if (verifyRaw) {
      for (const jwk of JSON.parse(verifyRaw) as JWK[]) await addPublic(jwk);
    }
    return set;
  })();
  return cachedKeySet;
}

/** Public keys for /.well-known/jwks.json (empty while tokens are HS256-signed). */
export async function publicJwks(): Promise<{ keys: PublicJwk[] }> {
  return { keys: (await loadKeySet()).published };
}

/**
 * Sign an access token for a session. It carries RFC 9068's required claims
 * (jti, client_id) so standard resource-server libraries accept it; our own
 * verification does not require them, so tokens signed before they were added
 * stay valid for the rest of their life.
 */
export async function signAccessToken(input: { userId: string; sessionId: string; role: Role }): Promise<string> {
  const keys = await loadKeySet();
  const jwt = new SignJWT({ sid: input.sessionId, role: input.role, client_id: ACCESS_TOKEN_CLIENT_ID })
    .setJti(crypto.randomUUID())
    .setSubject(input.userId)
    .setIssuer(jwtIssuer())
    .setAudience(jwtAudience())
    .setIssuedAt()
    .setExpirationTime(`${accessTokenTtlSeconds()}s`);
  if (keys.signing) {
    return jwt.setProtectedHeader({ alg: "EdDSA", typ: ACCESS_TOKEN_TYPE, kid: keys.signing.kid }).sign(keys.signing.key);
  }
  return jwt.setProtectedHeader({ alg: JWT_ALGORITHM, typ: ACCESS_TOKEN_TYPE }).sign(await hmacKey());
}

// Header members that would let a token choose its own key: never honoured.
const FORBIDDEN_HEADER_MEMBERS = ["jwk", "jku", "x5u", "x5c", "crit", "enc", "zip"];

function toClaims(payload: Record<string, unknown>): AccessClaims | null {
  const { sub, sid, role, exp, iat } = payload;
  if (typeof sub !== "string" || typeof sid !== "string" || typeof exp !== "number" || typeof iat !== "number") {
    return null;
  }
  if (role !== "USER" && role !== "ADMIN") return null;
  return { sub, sid, role, exp, iat };
}

/**
 * Tokens that passed verification, so the same token (a client sends it with
 * every request for its whole lifetime) is checked by signature once per
 * process, not on every request. A signature's validity depends only on the
 * token's bytes and our keys, so the memory holds only while the keys, issuer,
 * audience and leeway stay the ones its tokens were verified with (any change
 * empties it); expiry is checked against the clock on every use. Failures are
 * never remembered. Bounded: the oldest entries go first. Only the JWT's check
 * is saved: callers still read the live session row.
 */
const VERIFIED_MAX = 10_000;
const verified = new Map<string, AccessClaims>();
let verifiedUnder: string | undefined;

/** What a verification depended on besides the token: the keys and the expected claims. */
function verificationConfig(): string {
  const env = process.env;
  return [env.JWT_SECRET, env.JWT_SIGNING_KEY, env.JWT_VERIFY_KEYS, acceptsHs256(), jwtIssuer(), jwtAudience(), clockLeewaySeconds()].join("\n");
}

/**
 * HS256 is the algorithm only while no EdDSA signing key is configured. Once
 * one is, a JWT_SECRET token is accepted only while JWT_ACCEPT_HS256 says the
 * migration is under way: otherwise whoever still holds the old shared secret
 * (every service it was ever copied to) could keep minting valid tokens.
 * Read from process.env here, not lib/env.ts: this file runs on the edge.
 */
function acceptsHs256(): boolean {
  if (!process.env.JWT_SIGNING_KEY?.trim()) return true;
  return ["true", "1", "yes"].includes(process.env.JWT_ACCEPT_HS256?.trim().toLowerCase() ?? "");
}

/**
 * Verify an access token. The algorithm is pinned; `alg: none`, other
 * algorithms, JWEs, key-carrying headers and wrong iss/aud/typ are all
 * "invalid". Never throws.
 */
export async function verifyAccessToken(token: string | undefined | null): Promise<VerifyResult> {
  if (!token || token.length > 4096) return { ok: false, reason: "invalid" };
  const config = verificationConfig();
  if (config !== verifiedUnder) {
    verified.clear();
    verifiedUnder = config;
  }
  const known = verified.get(token);
  if (known) {
    // jose's rule: expired once exp <= now - leeway.
    if (known.exp > Math.floor(Date.now() / 1000) - clockLeewaySeconds()) return { ok: true, claims: known };
    verified.delete(token);
    return { ok: false, reason: "expired", claims: known };
  }
  const result = await verifySignedToken(token);
  // Only if nothing changed while jose worked (the memory belongs to one configuration).
  if (result.ok && verificationConfig() === verifiedUnder) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, result.claims);
  }
  return result;
}

async function verifySignedToken(token: string): Promise<VerifyResult> {
  try {
    // A JWE has five segments; a JWS three. Reject anything else up front.
    if (token.split(".").length !== 3) return { ok: false, reason: "invalid" };
    const header = decodeProtectedHeader(token);
    if (header.typ !== ACCESS_TOKEN_TYPE) return { ok: false, reason: "invalid" };
    if (FORBIDDEN_HEADER_MEMBERS.some((m) => m in header)) return { ok: false, reason: "invalid" };
    // Exactly two accepted shapes: HS256 without a kid, or EdDSA with the kid
    // of a key we hold. The key is always ours, never one the token names.
    let key: CryptoKey | Uint8Array;
    let algorithm: string;
    if (header.alg === JWT_ALGORITHM && !("kid" in header) && acceptsHs256()) {
      key = await hmacKey();
      algorithm = JWT_ALGORITHM;
    } else if (header.alg === "EdDSA" && typeof header.kid === "string" && header.kid.length <= 64) {
      const found = (await loadKeySet()).verify.get(header.kid);
      if (!found) return { ok: false, reason: "invalid" };
      key = found;
      algorithm = "EdDSA";
    } else {
      return { ok: false, reason: "invalid" };
    }
    const { payload } = await jwtVerify(token, key, {
      algorithms: [algorithm],
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
