// npm run keys:generate — prints a new Ed25519 private JWK for JWT_SIGNING_KEY, and
// its public half for JWT_VERIFY_KEYS (add that when you rotate to a newer key).
import { exportJWK, generateKeyPair } from "jose";

const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const jwk = await exportJWK(privateKey);
const { d: _d, ...pub } = jwk;
console.log(`JWT_SIGNING_KEY='${JSON.stringify(jwk)}'`);
console.log(`# after the next rotation, keep this one valid with: JWT_VERIFY_KEYS='[${JSON.stringify(pub)}]'`);
