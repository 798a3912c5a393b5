/**
 * @jest-environment node
 */
import { CompactEncrypt, SignJWT, base64url, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWTPayload } from "jose";
import { signAccessToken, verifyAccessToken } from "@/lib/auth/jwt";

const SECRET = () => new TextEncoder().encode(process.env.JWT_SECRET!);
const ISS = "http://localhost:3000";
const AUD = "gatehouse";
const now = () => Math.floor(Date.now() / 1000);

const CLAIMS = { sid: "0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", role: "USER" };
const SUB = "0197a1b2-0000-7000-8000-000000000001";

/** A token like ours, with any part overridable. */
async function token(
  opts: {
    header?: Record<string, unknown>;
    payload?: Record<string, unknown>;
    key?: Uint8Array | CryptoKey;
    iss?: string;
    aud?: string;
    iat?: number;
    exp?: number;
    sub?: string | null;
  } = {},
): Promise<string> {
  const jwt = new SignJWT({ ...CLAIMS, ...opts.payload } as JWTPayload)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", ...opts.header } as { alg: string })
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt(opts.iat ?? now())
    .setExpirationTime(opts.exp ?? now() + 900);
  if (opts.sub !== null) jwt.setSubject(opts.sub ?? SUB);
  return jwt.sign(opts.key ?? SECRET());
}

const b64json = (v: unknown) => base64url.encode(JSON.stringify(v));

async function expectInvalid(t: unknown, reason: "invalid" | "expired" = "invalid"): Promise<void> {
  const started = performance.now();
  const result = await verifyAccessToken(t as string);
  expect(result).toMatchObject({ ok: false, reason });
  // Refused fast: no network fetch of keys, no expensive work.
  expect(performance.now() - started).toBeLessThan(250);
}

describe("verifyAccessToken", () => {
  it("accepts a token from signAccessToken and returns its claims", async () => {
    const t = await signAccessToken({ userId: SUB, sessionId: CLAIMS.sid, role: "ADMIN" });
    const r = await verifyAccessToken(t);
    expect(r).toEqual({ ok: true, claims: { sub: SUB, sid: CLAIMS.sid, role: "ADMIN", exp: expect.any(Number), iat: expect.any(Number) } });
  });

  it("issues RFC 9068 claims: a fresh random jti and the first-party client_id on every token", async () => {
    const who = { userId: SUB, sessionId: CLAIMS.sid, role: "USER" as const };
    const a = decodeJwt(await signAccessToken(who));
    const b = decodeJwt(await signAccessToken(who));
    expect(a).toMatchObject({ sub: SUB, client_id: "gatehouse", jti: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(b.jti).not.toBe(a.jti);
  });

  it("still accepts a token issued before jti and client_id existed (for the rest of its 15 minutes)", async () => {
    const old = await token(); // the reference token carries neither claim
    expect(decodeJwt(old)).not.toHaveProperty("jti");
    expect(decodeJwt(old)).not.toHaveProperty("client_id");
    await expect(verifyAccessToken(old)).resolves.toMatchObject({ ok: true, claims: { sub: SUB } });
  });

  it("accepts the reference token built here (so each rejection below is caused by its one change)", async () => {
    await expect(verifyAccessToken(await token())).resolves.toMatchObject({ ok: true });
  });

  it("rejects alg none", async () => {
    const payload = { ...CLAIMS, sub: SUB, iss: ISS, aud: AUD, iat: now(), exp: now() + 900 };
    await expectInvalid(`${b64json({ alg: "none", typ: "at+jwt" })}.${b64json(payload)}.`);
    await expectInvalid(`${b64json({ alg: "none", typ: "at+jwt" })}.${b64json(payload)}`);
    await expectInvalid(`${b64json({ alg: "NONE", typ: "at+jwt" })}.${b64json(payload)}.`);
  });

  it("rejects another HMAC algorithm (HS512) even with our secret", async () => {
    await expectInvalid(await token({ header: { alg: "HS512" } }));
  });

  it("rejects an RS256 token", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    await expectInvalid(await token({ header: { alg: "RS256" }, key: privateKey }));
  });

  it("rejects a token signed with another secret", async () => {
    await expectInvalid(await token({ key: new TextEncoder().encode("another-secret-that-is-long-enough-0123456789") }));
  });

  it("rejects a wrong issuer", async () => {
    await expectInvalid(await token({ iss: "https://evil.test" }));
  });

  it("rejects a wrong audience", async () => {
    await expectInvalid(await token({ aud: "another-app" }));
  });

  it("rejects a wrong or missing typ", async () => {
    await expectInvalid(await token({ header: { typ: "JWT" } }));
    await expectInvalid(await token({ header: { typ: "refresh+jwt" } }));
    await expectInvalid(await token({ header: { typ: undefined } }));
  });

  it("rejects a JWE (five segments)", async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ ...CLAIMS, sub: SUB })))
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", typ: "at+jwt" })
      .encrypt(new Uint8Array(32).fill(7));
    expect(jwe.split(".")).toHaveLength(5);
    await expectInvalid(jwe);
  });

  it.each([
    ["jwk", { kty: "oct", k: base64url.encode("attacker-key-attacker-key-attacker") }],
    ["jku", "https://evil.test/jwks.json"],
    ["x5u", "https://evil.test/cert.pem"],
    ["x5c", ["MIIB"]],
    ["kid", "../../../../dev/null"],
    ["kid", "' OR '1'='1"],
  ])("rejects a header carrying %s, even when signed with our secret", async (member, value) => {
    await expectInvalid(await token({ header: { [member]: value } }));
  });

  it("reports a token expired beyond the 30 s leeway as expired (with its claims)", async () => {
    const t = await token({ iat: now() - 1000, exp: now() - 45 });
    const r = await verifyAccessToken(t);
    expect(r).toMatchObject({ ok: false, reason: "expired", claims: { sub: SUB, sid: CLAIMS.sid } });
  });

  it("accepts a token expired within the 30 s leeway", async () => {
    await expect(verifyAccessToken(await token({ iat: now() - 900, exp: now() - 15 }))).resolves.toMatchObject({ ok: true });
  });

  it("calls an expired token with a bad signature invalid, not expired", async () => {
    const t = await token({ iat: now() - 1000, exp: now() - 100, key: new TextEncoder().encode("x".repeat(16) + "another-secret-9876543210") });
    await expectInvalid(t, "invalid");
  });

  it("rejects a tampered payload (role raised to ADMIN)", async () => {
    const t = await token();
    const [header, , sig] = t.split(".");
    const payload = { ...decodeJwt(t), role: "ADMIN" };
    await expectInvalid(`${header}.${b64json(payload)}.${sig}`);
  });

  it("rejects tokens missing sub, sid or a known role", async () => {
    await expectInvalid(await token({ sub: null }));
    await expectInvalid(await token({ payload: { sid: undefined } }));
    await expectInvalid(await token({ payload: { role: "SUPERUSER" } }));
    await expectInvalid(await token({ payload: { sid: 42 } }));
  });

  it.each([
    [""],
    ["garbage"],
    ["a.b.c"],
    ["...."],
    ["eyJhbGciOiJIUzI1NiJ9.e30."],
    ["eyJ.eyJ.sig"],
    ["\u0000\u0001.\u0002.\u0003"],
    ["%%%.$$$.###"],
    [`${b64json("a string header")}.${b64json({})}.x`],
    [`${b64json({ alg: "HS256", typ: "at+jwt" })}.not-base64!.x`],
    [`${b64json({ alg: "HS256", typ: "at+jwt" })}.${b64json([1, 2, 3])}.x`],
  ])("rejects the garbage string %j without throwing", async (t) => {
    await expectInvalid(t);
  });

  it("rejects non-strings without throwing", async () => {
    for (const t of [undefined, null, 42, {}, ["a", "b", "c"]]) await expectInvalid(t);
  });

  it("rejects a very long string quickly", async () => {
    const valid = await token();
    await expectInvalid("a".repeat(1_000_000));
    await expectInvalid(`${valid}.${"a".repeat(10_000)}`);
    await expectInvalid(valid + "A".repeat(5_000));
  });
});

describe("verifyAccessToken remembers verified tokens", () => {
  const saved = { ...process.env };
  const restore = (name: string) => {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  };
  afterEach(() => {
    jest.useRealTimers();
    ["JWT_SECRET", "JWT_AUDIENCE", "JWT_ISSUER"].forEach(restore);
  });

  it("judges a token it already verified against the current secret, issuer and audience", async () => {
    const t = await token();
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
    process.env.JWT_SECRET = "another secret of at least thirty-two characters!";
    await expectInvalid(t);
    restore("JWT_SECRET");
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
    process.env.JWT_AUDIENCE = "another-audience";
    await expectInvalid(t);
    restore("JWT_AUDIENCE");
    process.env.JWT_ISSUER = "https://other.example";
    await expectInvalid(t);
  });

  it("lets a token it already verified expire by the clock, with the leeway", async () => {
    const t = await token({ exp: now() + 60 });
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
    jest.useFakeTimers({ now: Date.now() + 85_000 }); // 25 s past exp: within the 30 s leeway
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
    jest.setSystemTime(Date.now() + 10_000); // 35 s past exp
    await expect(verifyAccessToken(t)).resolves.toEqual({ ok: false, reason: "expired", claims: expect.objectContaining({ sid: CLAIMS.sid }) });
    jest.setSystemTime(Date.now() - 30_000); // the clock going back does not revive it from memory without a signature check
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
  });

  it("never takes a changed token for one it verified", async () => {
    const t = await token();
    await expect(verifyAccessToken(t)).resolves.toMatchObject({ ok: true });
    const [h, p, sig] = t.split(".");
    const flipped = sig!.slice(0, -2) + (sig!.at(-2) === "A" ? "B" : "A") + sig!.at(-1);
    await expectInvalid(`${h}.${p}.${flipped}`);
    const raised = b64json({ ...decodeJwt(t), role: "ADMIN" });
    await expectInvalid(`${h}.${raised}.${sig}`);
  });
});

describe("verifyAccessToken with EdDSA keys configured (HS256 migration switch)", () => {
  const saved = { signing: process.env.JWT_SIGNING_KEY, accept: process.env.JWT_ACCEPT_HS256 };
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    privateJwk = JSON.stringify(await exportJWK(privateKey));
  });
  let privateJwk = "";
  afterEach(() => {
    for (const [name, value] of [["JWT_SIGNING_KEY", saved.signing], ["JWT_ACCEPT_HS256", saved.accept]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("refuses HS256 tokens signed with JWT_SECRET once JWT_SIGNING_KEY is set, even one it verified before the switch", async () => {
    const hs = await token();
    await expect(verifyAccessToken(hs)).resolves.toMatchObject({ ok: true });
    process.env.JWT_SIGNING_KEY = privateJwk;
    await expectInvalid(hs);
    await expectInvalid(await token({ exp: now() - 600 })); // not even "expired": the refresh page must not be offered
    const ed = await signAccessToken({ userId: SUB, sessionId: CLAIMS.sid, role: "USER" });
    expect(decodeProtectedHeader(ed).alg).toBe("EdDSA");
    await expect(verifyAccessToken(ed)).resolves.toMatchObject({ ok: true });
  });

  it("accepts them again only while JWT_ACCEPT_HS256 allows it (the migration window)", async () => {
    process.env.JWT_SIGNING_KEY = privateJwk;
    const hs = await token();
    for (const on of ["1", "true", "yes"]) {
      process.env.JWT_ACCEPT_HS256 = on;
      await expect(verifyAccessToken(hs)).resolves.toMatchObject({ ok: true });
    }
    for (const off of ["0", "false", ""]) {
      process.env.JWT_ACCEPT_HS256 = off;
      await expectInvalid(hs);
    }
  });

  it("without JWT_SIGNING_KEY, HS256 stays the algorithm, whatever JWT_ACCEPT_HS256 says", async () => {
    process.env.JWT_ACCEPT_HS256 = "false";
    await expect(verifyAccessToken(await token())).resolves.toMatchObject({ ok: true });
  });
});
