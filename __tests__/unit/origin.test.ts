import { NextRequest } from "next/server";
import { isSameOriginRequest } from "@/lib/auth/origin";

function post(url: string, headers: Record<string, string>): NextRequest {
  return new NextRequest(url, { method: "POST", headers });
}

describe("the CSRF origin check", () => {
  it("accepts the app's own origin (APP_URL)", () => {
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", { origin: "http://localhost:3000" }))).toBe(true);
  });

  it("refuses another origin, Origin: null, and a missing Origin without Sec-Fetch-Site: same-origin", () => {
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", { origin: "https://evil.test" }))).toBe(false);
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", { origin: "null" }))).toBe(false);
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", {}))).toBe(false);
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", { "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(isSameOriginRequest(post("http://localhost:3000/sign-in", { "sec-fetch-site": "same-origin" }))).toBe(true);
  });

  it("in development also accepts the loopback host it was reached on, but never an arbitrary Host", () => {
    expect(
      isSameOriginRequest(post("http://127.0.0.1:3000/sign-in", { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" })),
    ).toBe(true);
    // A DNS-rebinding name pointing at the dev server must not make its own origin "same".
    expect(isSameOriginRequest(post("http://evil.test/sign-in", { host: "evil.test", origin: "http://evil.test" }))).toBe(false);
  });
});
