import "@testing-library/jest-dom";
import { TextDecoder, TextEncoder } from "node:util";

// jsdom does not expose TextEncoder, which passwordBytes() (lib/validation/auth.ts) needs.
if (typeof globalThis.TextEncoder === "undefined") {
  Object.assign(globalThis, { TextEncoder, TextDecoder });
}

// jsdom has no layout, so no elementFromPoint; input-otp calls it to see whether a
// password-manager badge covers the field. "Nothing there" is the honest answer here.
if (typeof document !== "undefined" && typeof document.elementFromPoint !== "function") {
  document.elementFromPoint = () => null;
}

