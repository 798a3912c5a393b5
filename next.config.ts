import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_SERVER } from "next/constants";
import { appOrigin } from "./lib/auth/constants";
import { EnvError, getServerEnv } from "./lib/env";

export default function config(phase: string): NextConfig {
  // Validate settings when a server starts (not at build time, when production
  // secrets are rightly absent). A weak secret, or no way to know the client IP
  // in production, stops `next start` right here.
  if (phase === PHASE_PRODUCTION_SERVER || phase === PHASE_DEVELOPMENT_SERVER) {
    try {
      getServerEnv();
    } catch (err) {
      if (err instanceof EnvError) {
        console.error(`\n[gatehouse] ${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
  }
  return {
    poweredByHeader: false,
    skipProxyUrlNormalize: true,
    reactStrictMode: true,
    transpilePackages: ["jose"],
    // Loaded from node_modules at run time: PGlite ships WASM and data files, pg has optional natives,
    // piscina starts its worker threads from a file next to its own code.
    experimental: {
      // The middleware lets a server action through only when its Origin is APP_URL's
      // (lib/auth/origin.ts). Behind a proxy that rewrites Host, Next's own Origin-vs-Host
      // comparison would then throw (a 500); naming APP_URL's host here turns it into a pass.
      serverActions: { allowedOrigins: [new URL(appOrigin()).host] },
    },
    serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pg", "piscina"],
    async headers() {
      const security = [
        { key: "X-Content-Type-Options", value: "nosniff" },
        { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        { key: "X-Frame-Options", value: "DENY" },
        ...(process.env.NODE_ENV === "production"
          ? [{ key: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains" }]
          : []),
      ];
      return [
        { source: "/:path*", headers: security },
        // Reset links carry a secret in the URL: it never leaves the site as a referrer.
        // same-origin, not no-referrer: under no-referrer Chromium posts the page's own
        // form with `Origin: null`, which the CSRF check rightly refuses (a no-script reset
        // then failed). Same-site requests may see the URL; the site is the token's issuer.
        { source: "/reset-password", headers: [{ key: "Referrer-Policy", value: "same-origin" }] },
      ];
    },
  };
}
