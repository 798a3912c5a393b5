import { z } from "zod";

/**
 * Schemas shared by forms (client) and server actions / route handlers, so both
 * sides apply the same rules. Limits follow SECURITY.md.
 */

export const EMAIL_MAX = 254;
export const NAME_MAX = 100;
export const PASSWORD_MAX_BYTES = 72;
/** Default minimum; the server may be configured down to 8 (PASSWORD_MIN_LENGTH). */
export const PASSWORD_MIN_DEFAULT = 15;

/** Trimmed and lowercased: `Victim@X.com` is `victim@x.com`. */
export const emailSchema = z
  .string({ error: "Enter your email address" })
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address")
  .max(EMAIL_MAX, `An email address has at most ${EMAIL_MAX} characters`)
  .pipe(z.email("Enter a valid email address, like name@example.com"));

/** Control characters (NUL and CR/LF among them) have no place in text people type; PostgreSQL refuses NUL outright. */
export const hasNoControlCharacters = (v: string): boolean => !/[\u0000-\u001f\u007f]/.test(v);

/**
 * Invisible and text-direction characters: Unicode's format category (Cf: the
 * bidi controls U+202A–U+202E and U+2066–U+2069, zero-width U+200B–U+200F,
 * U+2060, U+FEFF, soft hyphens, tags…), line and paragraph separators, lone
 * surrogates and C1 controls. U+202E turns "gnp.exe" into "exe.png" on screen.
 * The zero-width joiners some scripts and emoji use go too: a name reads fine
 * without them, and a name is shown to other people (admins, mail greetings).
 */
export const hasNoInvisibleCharacters = (v: string): boolean => !/[\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u0080-\u009f]/u.test(v);

// Dots that link detectors and readers take for "." (NFKC maps the fullwidth
// and one-dot-leader forms to "." already; these two it leaves alone).
const EXTRA_DOTS = /[\u3002\uff61]/g;

/**
 * Looks like a link or an address: a scheme ("https://", "mailto:"), "www.",
 * an "@", or a dotted host ("evil.example", "evil.xn--p1ai"), checked after
 * NFKC so fullwidth look-alikes count too. A dot between letters is the tell,
 * so initials take a space ("A. Smith"; "J.R.R. Tolkien" passes: a host's last
 * label has at least two letters).
 */
export function looksLikeLink(v: string): boolean {
  const s = v.normalize("NFKC").replace(EXTRA_DOTS, ".");
  return (
    /[\p{L}\p{N}+.-]+:\/\//u.test(s) ||
    /\b(?:mailto|javascript|data|file|tel|sms):/iu.test(s) ||
    /\bwww\./iu.test(s) ||
    s.includes("@") ||
    /[\p{L}\p{N}-]\.\p{L}[\p{L}\p{N}-]/u.test(s)
  );
}

/**
 * A display name. It is printed in mails and admin pages other people read, so
 * a stranger cannot use it to carry a message: no control characters (CR/LF
 * included), no invisible or text-direction characters, nothing link-like.
 * Forms, server actions and the API all parse with this schema.
 */
export const nameSchema = z
  .string({ error: "Enter your name" })
  .trim()
  .min(1, "Enter your name")
  .max(NAME_MAX, `A name has at most ${NAME_MAX} characters`)
  .refine(hasNoControlCharacters, "A name cannot contain control characters")
  .refine(hasNoInvisibleCharacters, "A name cannot contain invisible or text-direction characters")
  .refine((v) => !looksLikeLink(v), "A name cannot contain a web or email address (after an initial, leave a space: “A. Smith”)");

/** UTF-8 length after NFKC normalisation: what bcrypt actually sees. */
export function passwordBytes(password: string): number {
  return new TextEncoder().encode(password.normalize("NFKC")).length;
}

/**
 * A new password. No composition rules; spaces and any Unicode are allowed.
 * Never truncated: more than 72 bytes is an error, not a silent cut.
 */
export function newPasswordSchema(minLength = PASSWORD_MIN_DEFAULT) {
  return z
    .string({ error: "Enter a password" })
    .min(1, "Enter a password")
    .refine((v) => [...v.normalize("NFKC")].length >= minLength, `Use at least ${minLength} characters`)
    .refine(
      (v) => passwordBytes(v) <= PASSWORD_MAX_BYTES,
      `Passwords can be at most ${PASSWORD_MAX_BYTES} bytes (about ${PASSWORD_MAX_BYTES} letters, fewer with accents or emoji)`,
    );
}
export const passwordSchema = newPasswordSchema();

/** A password being checked (sign-in, current password): only bounded, never judged. */
export const currentPasswordSchema = z
  .string({ error: "Enter your password" })
  .min(1, "Enter your password")
  .max(1024, "That password is too long");

export const otpCodeSchema = z
  .string({ error: "Enter the 6-digit code" })
  .trim()
  .regex(/^\d{6}$/, "Enter the 6-digit code from the email");

export const signUpSchema = z.object({ email: emailSchema, name: nameSchema, password: passwordSchema });
export const signInSchema = z.object({ email: emailSchema, password: currentPasswordSchema });
export const verifyEmailSchema = z.object({ email: emailSchema, code: otpCodeSchema });
export const resendCodeSchema = z.object({ email: emailSchema });

export type SignUpInput = z.infer<typeof signUpSchema>;
export type SignInInput = z.infer<typeof signInSchema>;
export type VerifyEmailInput = z.infer<typeof verifyEmailSchema>;
