/**
 * SECURITY.md "Passwords": the rules with no test elsewhere. bcrypt, the
 * 72-byte limit without truncation, zxcvbn with the user's email and the app's
 * name, and password changes are in __tests__/integration/auth-signup.test.ts,
 * profile.test.ts and __tests__/unit/password-pool.test.ts; the cost of the
 * hashes a production build stores in e2e/regressions.e2e.test.ts.
 */
import { NextRequest } from "next/server";
import { POST as REGISTER } from "@/app/api/auth/register/route";
import { hashPassword } from "@/lib/auth/password";
import { parseEnv } from "@/lib/env";
import { newPasswordSchema, passwordBytes, PASSWORD_MAX_BYTES } from "@/lib/validation/auth";
import { setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

const h = setupAuthHarness();

const APP = "http://localhost:3000";
const STRONG_SECRET = "k3Yb9QxW2mZr7TnV5pLs8HdC4fJg6EaU1oIi0yRt";

async function register(body: Record<string, string>) {
  const res = await REGISTER(new NextRequest(new URL("/api/auth/register", APP), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as { error?: string; fields?: Record<string, string[]> } };
}

describe("the 72-byte maximum counts UTF-8 bytes after NFKC normalisation", () => {
  // U+FDFA (ﷺ) is 3 bytes, and 33 bytes once NFKC spells it out: 14 bytes as typed, 74 as bcrypt would see them.
  const expanding = "\uFDFA\uFDFAlantern9";

  it("a password short as typed but over 72 bytes after NFKC is refused with the length reason, and nothing is stored", async () => {
    expect(Buffer.byteLength(expanding, "utf8")).toBeLessThan(PASSWORD_MAX_BYTES);
    expect(passwordBytes(expanding)).toBeGreaterThan(PASSWORD_MAX_BYTES);
    const parsed = newPasswordSchema().safeParse(expanding);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([expect.stringMatching(/at most 72 bytes/)]);

    const a = await register({ email: uniqueEmail("nfkc"), name: "Ana Tester", password: expanding });
    expect(a.status).toBe(400);
    expect(a.body.fields?.password).toEqual([expect.stringMatching(/at most 72 bytes/)]);
    expect(await h.db.user.count()).toBe(0);
  });

  it("hashing such a password throws instead of cutting it to 72 bytes", async () => {
    await expect(hashPassword(expanding)).rejects.toThrow(/72 bytes/);
  });
});

describe("the minimum length is 15 by default and configurable down to 8, never below", () => {
  it("PASSWORD_MIN_LENGTH below 8 stops the start; 8 is accepted", () => {
    expect(() => parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, PASSWORD_MIN_LENGTH: "7" })).toThrow(/PASSWORD_MIN_LENGTH/);
    expect(parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET, PASSWORD_MIN_LENGTH: "8" }).PASSWORD_MIN_LENGTH).toBe(8);
    expect(parseEnv({ NODE_ENV: "test", JWT_SECRET: STRONG_SECRET }).PASSWORD_MIN_LENGTH).toBe(15);
  });

  it("with PASSWORD_MIN_LENGTH=8 the length rule takes 8 characters and refuses 7 (characters, not bytes)", async () => {
    h.setEnv({ PASSWORD_MIN_LENGTH: "8" });
    expect(newPasswordSchema(8).safeParse("Zq#8vé!Ł").success).toBe(true); // 8 characters, 10 bytes
    expect(newPasswordSchema(8).safeParse("Zq#8vé!").error?.issues.map((i) => i.message)).toEqual(["Use at least 8 characters"]);
    const short = await register({ email: uniqueEmail("seven"), name: "Ana Tester", password: "Zq#8vé!" });
    expect(short.status).toBe(400);
    expect(short.body.fields?.password).toEqual(["Use at least 8 characters"]);
    // zxcvbn rates every 8-character password 10^8 guesses (score 2 < 3), so the shortest that passes both checks has 9.
    const ok = await register({ email: uniqueEmail("nine"), name: "Ana Tester", password: "é9Łk#R2zp" });
    expect(ok.status).toBe(202);
  });
});
