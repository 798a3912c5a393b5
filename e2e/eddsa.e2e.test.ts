import { exportJWK, generateKeyPair } from "jose";
import { extractCode, startSmtpSink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import { startApp, type AppServer } from "./helpers/server";

/** With an Ed25519 signing key, the edge middleware and the app verify EdDSA tokens. */
let app: AppServer;
let sink: SmtpSink;

beforeAll(async () => {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  sink = await startSmtpSink();
  app = await startApp({ SMTP_URL: sink.url, JWT_SIGNING_KEY: JSON.stringify(await exportJWK(privateKey)) });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await sink?.close();
});

it("issues EdDSA tokens that the middleware, the pages and the API accept, and publishes the key", async () => {
  const email = "eddsa@shop.test";
  const password = "violet lantern orbit 9 harbor";
  const json = { "Content-Type": "application/json" };
  const reg = await fetch(`${app.url}/api/auth/register`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email, name: "Ed", password }),
  });
  expect(reg.status).toBe(202);
  const { registration } = (await reg.json()) as { registration: string };
  const code = extractCode(await sink.waitForMail((m) => JSON.stringify(m.to ?? "").includes(email)));
  const verified = await fetch(`${app.url}/api/auth/verify-email`, { method: "POST", headers: json, body: JSON.stringify({ email, code, registration }) });
  const tokens = (await verified.json()) as { access_token: string };
  const header = JSON.parse(Buffer.from(tokens.access_token.split(".")[0]!, "base64url").toString()) as { alg: string; kid?: string };
  expect(header.alg).toBe("EdDSA");

  const me = await fetch(`${app.url}/api/me`, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  expect(me.status).toBe(200);

  // The edge middleware (jose on the edge runtime) lets the EdDSA cookie through to the page.
  const page = await fetch(`${app.url}/dashboard`, { headers: { cookie: `__Host-gh_at=${tokens.access_token}` }, redirect: "manual" });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Ed");

  const jwks = (await (await fetch(`${app.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
  expect(jwks.keys.map((k) => k.kid)).toEqual([header.kid]);
});
