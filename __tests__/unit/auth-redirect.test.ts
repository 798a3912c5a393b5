/**
 * @jest-environment node
 */
import { DEFAULT_AFTER_SIGN_IN } from "@/lib/auth/constants";
import { safeRedirectPath } from "@/lib/auth/redirect";

describe("safeRedirectPath", () => {
  it("falls back to the dashboard", () => {
    expect(DEFAULT_AFTER_SIGN_IN).toBe("/dashboard");
  });

  it.each([
    ["/account?x=1", "/account?x=1"],
    ["/dashboard", "/dashboard"],
    ["/account/sessions?tab=all#top", "/account/sessions?tab=all#top"],
    ["/admin/users?q=a%20b", "/admin/users?q=a%20b"],
    ["/", "/"],
  ])("passes the same-origin path %s", (target, expected) => {
    expect(safeRedirectPath(target)).toBe(expected);
  });

  it.each([
    ["//evil.test"],
    ["//evil.test/account"],
    ["/\\evil.test"],
    ["\\\\evil.test"],
    ["%2F%2Fevil.test"],
    ["/%2F%2Fevil.test"],
    ["/%2f%2fevil.test"],
    ["/%252F%252Fevil.test"],
    ["/%5Cevil.test"],
    ["https://evil.test"],
    ["http://localhost:3000.evil.test/"],
    ["HTTPS://evil.test"],
    ["javascript:alert(1)"],
    ["JavaScript:alert(1)"],
    ["/\t/evil.test"],
    ["/\n/evil.test"],
    ["/%09/evil.test"],
    [" //evil.test"],
    ["evil.test"],
    ["account"],
    ["/%E0%A4%A"],
    [""],
  ])("rejects %j and falls back to the dashboard", (target) => {
    expect(safeRedirectPath(target)).toBe("/dashboard");
  });

  it.each([[undefined], [null], [42], [{ toString: () => "/account" }], [["/account"]], [true]])(
    "rejects the non-string %p",
    (target) => {
      expect(safeRedirectPath(target)).toBe("/dashboard");
    },
  );

  it("rejects an absurdly long target", () => {
    expect(safeRedirectPath(`/${"a".repeat(5000)}`)).toBe("/dashboard");
  });

  it("uses the given fallback", () => {
    expect(safeRedirectPath("//evil.test", "/sign-in")).toBe("/sign-in");
  });

  it("never returns anything a browser would read as another origin", () => {
    const hostile = ["//evil.test", "/\\evil.test", "/%2F%2Fevil.test", "/\t/evil.test", "https://evil.test", "/./\\evil.test"];
    for (const target of hostile) {
      const out = safeRedirectPath(target);
      expect(new URL(out, "https://app.example.test").origin).toBe("https://app.example.test");
    }
  });
});
