import "server-only";
import { getEnv } from "../env";
import { runBcrypt } from "./password-pool";

/**
 * bcrypt hashing. Passwords are NFKC-normalised first so the same password typed
 * on different keyboards matches; the schema already refused more than 72 bytes,
 * so bcrypt never truncates silently. The work runs on the worker-thread pool
 * (./password-pool.ts), so a sign-in storm does not stall other requests.
 */

// bcrypt reads only the first 72 bytes: never hash or compare a longer password,
// or "P + anything" would match P.
function tooLongForBcrypt(normalized: string): boolean {
  return Buffer.byteLength(normalized, "utf8") > 72;
}

function compare(password: string, hash: string): Promise<boolean> {
  return runBcrypt({ op: "compare", password, hash });
}

export async function hashPassword(password: string): Promise<string> {
  const normalized = password.normalize("NFKC");
  if (tooLongForBcrypt(normalized)) throw new Error("Password exceeds 72 bytes; validate with passwordSchema first");
  return runBcrypt({ op: "hash", password: normalized, cost: getEnv().BCRYPT_COST });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const normalized = password.normalize("NFKC");
  if (tooLongForBcrypt(normalized)) {
    await compare(normalized, hash); // same work, so timing does not tell
    return false;
  }
  return compare(normalized, hash);
}

let dummyHash: Promise<string> | undefined;
/**
 * Spend the same bcrypt time as a real check, for unknown emails, so response
 * timing does not tell whether an account exists.
 */
export async function dummyPasswordCheck(password: string): Promise<false> {
  dummyHash ??= runBcrypt({ op: "hash", password: "gatehouse-dummy-password-for-timing", cost: getEnv().BCRYPT_COST }).catch(
    (err: unknown) => {
      dummyHash = undefined; // try again on the next call rather than fail forever
      throw err;
    },
  );
  await compare(password.normalize("NFKC"), await dummyHash);
  return false;
}
