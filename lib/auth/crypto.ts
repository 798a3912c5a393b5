import "server-only";
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
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

/** AES-256-GCM, for the short-lived successor refresh token kept for the grace window. */
export function encrypt(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derivedKey("refresh-successor"), iv);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64url");
}

export function decrypt(sealed: string): string | null {
  try {
    const buf = Buffer.from(sealed, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", derivedKey("refresh-successor"), buf.subarray(0, 12));
    decipher.setAuthTag(buf.subarray(12, 28));
    return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
