import "server-only";
import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import { getEnv } from "../env";

/** Node-only primitives for tokens and codes. Keys are derived per purpose from JWT_SECRET. */

/** `bytes` random bytes from the CSPRNG, base64url. 32 bytes = 256 bits. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** A 6-digit code from the CSPRNG, uniform over 000000–999999. */
export function randomSixDigitCode(): string {
  return randomInt(0, 1_000_000).toString().padStart(6, "0");
}

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

// Domain separation: a key per purpose, so a value computed for one use is worthless for another.
function derivedKey(purpose: string): Buffer {
  return createHmac("sha256", getEnv().JWT_SECRET).update(`gatehouse/${purpose}/v1`).digest();
}

/** Keyed hash (HMAC-SHA256) for email codes: a stolen table cannot be brute-forced offline without the key. */
export function hmacHex(purpose: string, value: string): string {
  return createHmac("sha256", derivedKey(purpose)).update(value, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests. */
export function safeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ab.length === bb.length && ab.length > 0 && timingSafeEqual(ab, bb);
}

/**
 * The successor of a refresh token: HMAC of the token under a server key.
 * Deterministic, so every concurrent refresh of one token (two tabs) computes
 * the same successor without it ever being stored; unpredictable without the key.
 */
export function deriveSuccessorToken(token: string): string {
  return createHmac("sha256", derivedKey("refresh-successor")).update(token, "utf8").digest("base64url");
}

const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * A well-formed bcrypt hash (the configured cost, random salt and digest) that
 * no password matches: a discarded password's replacement. Checking against
 * it costs what any check costs, so it tells nothing by timing.
 */
export function unusablePasswordHash(): string {
  const body = Array.from(randomBytes(53), (b) => BCRYPT_ALPHABET[b & 63]).join("");
  return `$2b$${String(getEnv().BCRYPT_COST).padStart(2, "0")}$${body}`;
}
