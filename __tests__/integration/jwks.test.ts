import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type JWK } from "jose";
import { GET as jwksRoute } from "@/app/.well-known/jwks.json/route";
import { decodeProtectedHeader } from "jose";
import { signAccessToken, verifyAccessToken } from "@/lib/auth/jwt";

async function newKey(): Promise<{ priv: JWK; pub: JWK }> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const priv = await exportJWK(privateKey);
  const { d: _d, ...pub } = priv;
  return { priv, pub };
}

function useKeys(signing: JWK | undefined, previous: JWK[] = []): void {
  if (signing) process.env.JWT_SIGNING_KEY = JSON.stringify(signing);
  else delete process.env.JWT_SIGNING_KEY;
  if (previous.length) process.env.JWT_VERIFY_KEYS = JSON.stringify(previous);
  else delete process.env.JWT_VERIFY_KEYS;
}

const who = { userId: "0190f1c2-0000-7000-8000-000000000001", sessionId: "0190f1c2-0000-7000-8000-000000000002", role: "USER" as const };

afterEach(() => useKeys(undefined));

describe("EdDSA signing keys and the JWKS document", () => {
  it("signs with EdDSA and the key's thumbprint as kid when a signing key is configured", async () => {
    const a = await newKey();
    useKeys(a.priv);
    const token = await signAccessToken(who);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    expect(typeof header.kid).toBe("string");
    expect(await verifyAccessToken(token)).toMatchObject({ ok: true, claims: { sub: who.userId } });
  });

  it("keeps tokens of the previous key valid after a rotation, and refuses unknown keys", async () => {
    const a = await newKey();
    const b = await newKey();
    const stranger = await newKey();
    useKeys(a.priv);
    const oldToken = await signAccessToken(who);
    useKeys(b.priv, [a.pub]);
    const newToken = await signAccessToken(who);
    expect((await verifyAccessToken(oldToken)).ok).toBe(true);
    expect((await verifyAccessToken(newToken)).ok).toBe(true);

    // Dropping the old key from JWT_VERIFY_KEYS retires its tokens.
    useKeys(b.priv);
    expect((await verifyAccessToken(oldToken)).ok).toBe(false);

    // Same claims, signed by a key we never held, even with a kid we know.
    const { kid } = decodeProtectedHeader(newToken);
    const forged = await new SignJWT({ sid: who.sessionId, role: "ADMIN" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: kid! })
      .setSubject(who.userId)
      .setIssuer("http://localhost:3000")
      .setAudience("gatehouse")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(await (await import("jose")).importJWK(stranger.priv, "EdDSA"));
    expect(await verifyAccessToken(forged)).toEqual({ ok: false, reason: "invalid" });
  });

  it("refuses an HS256 token carrying a kid and an EdDSA token without one", async () => {
    useKeys(undefined);
    const hs = await new SignJWT({ sid: who.sessionId, role: "USER" })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "x" })
      .setSubject(who.userId)
      .setIssuer("http://localhost:3000")
      .setAudience("gatehouse")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(process.env.JWT_SECRET!));
    expect((await verifyAccessToken(hs)).ok).toBe(false);
    const a = await newKey();
    const ed = await new SignJWT({ sid: who.sessionId, role: "USER" })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt" })
      .setSubject(who.userId)
      .setIssuer("http://localhost:3000")
      .setAudience("gatehouse")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(await (await import("jose")).importJWK(a.priv, "EdDSA"));
    useKeys(a.priv);
    expect((await verifyAccessToken(ed)).ok).toBe(false);
  });

  it("publishes the current and previous public keys, never a private part", async () => {
    const a = await newKey();
    const b = await newKey();
    useKeys(b.priv, [a.pub]);
    const res = await jwksRoute();
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toHaveLength(2);
    expect(body.keys.map((k) => k.x).sort()).toEqual([a.pub.x, b.pub.x].sort());
    for (const k of body.keys) {
      expect(k).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
      expect(k).not.toHaveProperty("d");
    }
  });

  it("a separate process verifies tokens from before and after a rotation with only the JWKS URL", async () => {
    const a = await newKey();
    const b = await newKey();
    useKeys(a.priv);
    const before = await signAccessToken(who);
    useKeys(b.priv, [a.pub]);
    const after = await signAccessToken(who);

    const server = http.createServer(async (_req, res) => {
      const r = await jwksRoute();
      res.writeHead(r.status, { "content-type": "application/json" });
      res.end(await r.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const script = `
      import { createRemoteJWKSet, jwtVerify } from "jose";
      const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URL));
      for (const t of [process.env.T1, process.env.T2]) {
        const { payload } = await jwtVerify(t, jwks, { issuer: "http://localhost:3000", audience: "gatehouse", typ: "at+jwt" });
        console.log("verified", payload.sub);
      }`;
    try {
      const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
          cwd: process.cwd(),
          env: { PATH: process.env.PATH ?? "", JWKS_URL: url, T1: before, T2: after } as unknown as NodeJS.ProcessEnv,
        });
        let text = "";
        child.stdout.on("data", (d: Buffer) => (text += d.toString()));
        child.stderr.on("data", (d: Buffer) => (text += d.toString()));
        child.on("exit", (code) => resolve({ code, text }));
      });
      expect(out.text).toBe(`verified ${who.userId}\nverified ${who.userId}\n`);
      expect(out.code).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
