/**
 * SECURITY.md "Sign-in and brute force": unknown email and wrong password take
 * the same time (a dummy bcrypt compare runs for unknown emails), so response
 * timing does not tell whether an account exists.
 *
 * bcrypt dominates at cost 8 (~15 ms) here, as it does at cost 12 in production.
 * 40 interleaved samples per side: without the dummy compare the unknown-email
 * median is an order of magnitude smaller, far outside the band checked below.
 */
import { signIn } from "@/lib/auth/accounts";
import { hashPassword } from "@/lib/auth/password";
import { AuthError } from "@/lib/auth/errors";
import { CTX, PASSWORD, setupAuthHarness } from "../helpers/auth-harness";

const h = setupAuthHarness();
const SAMPLES = 40;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeFailedSignIn(email: string, ip: string): Promise<number> {
  const start = process.hrtime.bigint();
  await expect(signIn({ email, password: "wrong password for timing 1" }, { ...CTX, ip })).rejects.toBeInstanceOf(AuthError);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

it("an unknown email costs the same as a known email with a wrong password", async () => {
  h.setEnv({ BCRYPT_COST: "8" });
  const passwordHash = await hashPassword(PASSWORD);
  for (let i = 0; i < SAMPLES; i++) {
    await h.db.user.create({
      data: { email: `known${i}@timing.test`, name: "Known", passwordHash, emailVerifiedAt: new Date() },
    });
  }
  // Warm up both paths (JIT, the dummy hash, connection pool).
  await timeFailedSignIn("known0@timing.test", "198.51.100.250");
  await timeFailedSignIn("nobody-warm@timing.test", "198.51.100.251");

  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 1; i < SAMPLES; i++) {
    // Interleaved, each from its own IP so the per-IP limit never answers instead.
    known.push(await timeFailedSignIn(`known${i}@timing.test`, `198.51.100.${i}`));
    unknown.push(await timeFailedSignIn(`nobody${i}@timing.test`, `198.51.101.${i}`));
  }
  const ratio = median(unknown) / median(known);
  expect(ratio).toBeGreaterThan(0.75);
  expect(ratio).toBeLessThan(1.33);
});
