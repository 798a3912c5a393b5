import { NextRequest } from "next/server";
import { contentSecurityPolicy, middleware } from "@/middleware";

describe("Content-Security-Policy", () => {
  it("is sent on pages with a fresh nonce per response, shared with the app through x-nonce", async () => {
    const a = await middleware(new NextRequest("http://localhost:3000/"));
    const b = await middleware(new NextRequest("http://localhost:3000/"));
    const policyA = a.headers.get("content-security-policy") ?? "";
    const policyB = b.headers.get("content-security-policy") ?? "";
    const nonceA = /'nonce-([^']+)'/.exec(policyA)?.[1];
    const nonceB = /'nonce-([^']+)'/.exec(policyB)?.[1];
    expect(nonceA).toBeTruthy();
    expect(nonceB).toBeTruthy();
    expect(nonceA).not.toBe(nonceB);
    // The request headers forwarded to the app carry the same nonce.
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonceA);
  });

  it("forbids plugins, base-tag hijacking, framing and inline scripts without the nonce", () => {
    const policy = contentSecurityPolicy("abc", false);
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("base-uri 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toMatch(/script-src 'self' 'nonce-abc' 'strict-dynamic'(;|$)/);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-eval'/);
  });
});
