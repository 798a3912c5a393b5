import "server-only";
import bcrypt from "bcryptjs";
import { getEnv } from "../env";

/**
 * bcrypt hashing. Passwords are NFKC-normalised first so the same password typed
 * on different keyboards matches; the schema already refused more than 72 bytes,
 * so bcrypt never truncates silently.
 */

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password.normalize("NFKC"), getEnv().BCRYPT_COST);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password.normalize("NFKC"), hash);
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
