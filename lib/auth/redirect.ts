import { DEFAULT_AFTER_SIGN_IN } from "./constants";

/**
 * The one place `next` / `callbackUrl` targets are vetted: only same-origin
 * absolute paths pass (`/account?tab=1`); `//evil.test`, `/\evil.test`,
 * `https://…`, `javascript:` and encoded variants fall back to the dashboard.
 */
export function safeRedirectPath(target: unknown, fallback: string = DEFAULT_AFTER_SIGN_IN): string {
  if (typeof target !== "string" || target.length === 0 || target.length > 2048) return fallback;
  let decoded = target;
  try {
    // Decode repeatedly so %2F%2F and double-encoding cannot hide a second slash.
    for (let i = 0; i < 3; i++) {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    }
  } catch {
    return fallback;
  }
  for (const candidate of [target, decoded]) {
    if (!candidate.startsWith("/")) return fallback;
    if (candidate.startsWith("//") || candidate.startsWith("/\\")) return fallback;
    if (/[\u0000-\u001f\u007f\\]/.test(candidate)) return fallback;
  }
  try {
    const base = "http://gatehouse.invalid";
    const url = new URL(target, base);
    if (url.origin !== base) return fallback;
    // Normalising can itself make a protocol-relative path ("/.//evil.test" → "//evil.test").
    const path = url.pathname + url.search + url.hash;
    if (path.startsWith("//") || path.startsWith("/\\")) return fallback;
    return path;
  } catch {
    return fallback;
  }
}
