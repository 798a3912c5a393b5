import "server-only";
import bcrypt from "bcryptjs";
import { getEnv } from "../env";

/**
 * bcrypt hashing. Passwords are NFKC-normalised first so the same password typed
 * on different keyboards matches; the schema already refused more than 72 bytes,
 * so bcrypt never truncates silently.
 */

// bcrypt reads only the first 72 bytes: never hash or compare a longer password,
// or "P + anything" would match P.
function tooLongForBcrypt(normalized: string): boolean {
  return Buffer.byteLength(normalized, "utf8") > 72;
}

export async function hashPassword(password: string): Promise<string> {
  const normalized = password.normalize("NFKC");
  if (tooLongForBcrypt(normalized)) throw new Error("Password exceeds 72 bytes; validate with passwordSchema first");
  return bcrypt.hash(normalized, getEnv().BCRYPT_COST);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const normalized = password.normalize("NFKC");
  if (tooLongForBcrypt(normalized)) {
    await bcrypt.compare(normalized, hash); // same work, so timing does not tell
    return false;
  }
  return bcrypt.compare(normalized, hash);
}

let dummyHash: Promise<string> | undefined;
/**
 * Spend the same bcrypt time as a real check, for unknown emails, so response
 * timing does not tell whether an account exists.
 */
export async function dummyPasswordCheck(password: string): Promise<false> {
  dummyHash ??= bcrypt.hash("gatehouse-dummy-password-for-timing", getEnv().BCRYPT_COST);
  await bcrypt.compare(password.normalize("NFKC"), await dummyHash);
  return false;
}
