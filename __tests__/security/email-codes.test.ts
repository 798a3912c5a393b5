/**
 * SECURITY.md "Email codes (OTP)": the rules with no test elsewhere. Lifetime,
 * single use, replacement, binding, the per-code and per-account budgets and
 * the resend limits are in __tests__/integration/auth-otp.test.ts.
 */
import crypto from "node:crypto";
import { issueOtp, verifyOtp } from "@/lib/auth/otp";
import { randomSixDigitCode } from "@/lib/auth/crypto";
import { CTX, passOneMinute, setupAuthHarness, signUp, uniqueEmail } from "../helpers/auth-harness";

const h = setupAuthHarness();
afterEach(() => jest.restoreAllMocks());

describe("codes are 6 digits from a CSPRNG", () => {
  it("come from crypto.randomInt over 000000–999999, never Math.random", () => {
    const randomInt = jest.spyOn(crypto, "randomInt");
    const mathRandom = jest.spyOn(Math, "random");
    const code = randomSixDigitCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(randomInt).toHaveBeenCalledWith(0, 1_000_000);
    expect(mathRandom).not.toHaveBeenCalled();
  });

  it("are uniform over all six digits: leading zeros appear, every first digit about a tenth of the time", () => {
    const n = 20_000;
    const firstDigits = new Array<number>(10).fill(0);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const code = randomSixDigitCode();
      expect(code).toMatch(/^\d{6}$/);
      firstDigits[Number(code[0])]! += 1;
      seen.add(code);
    }
    // χ² with 9 degrees of freedom: 33.7 is the 0.01 % critical value (a fair source fails 1 run in 10,000).
    const expected = n / 10;
    const chi2 = firstDigits.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(33.7);
    expect(firstDigits[0]).toBeGreaterThan(0); // "100000 + random * 900000" would never start with 0
    // 20,000 draws from a million values: about 200 repeats are expected (birthday), thousands would mean a weak source.
    expect(n - seen.size).toBeLessThan(400);
  });
});

describe("codes are compared in constant time", () => {
  it("verifyOtp compares the keyed hashes with crypto.timingSafeEqual, for right and wrong codes alike", async () => {
    const { email } = await signUp(uniqueEmail("ct"));
    const user = await h.db.user.findUniqueOrThrow({ where: { email } });
    await passOneMinute(h.db);
    const issued = await issueOtp(user.id, "VERIFY_EMAIL", email);
    if (!issued.sent) throw new Error("no code issued");
    const timingSafeEqual = jest.spyOn(crypto, "timingSafeEqual");
    const wrong = issued.code === "000000" ? "111111" : "000000";
    expect((await verifyOtp(user.id, "VERIFY_EMAIL", wrong, CTX)).ok).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
    expect((await verifyOtp(user.id, "VERIFY_EMAIL", issued.code, CTX)).ok).toBe(true);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    // Both sides are 32-byte HMAC-SHA256 digests, never the code itself.
    for (const [a, b] of timingSafeEqual.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
