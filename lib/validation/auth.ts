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

export const nameSchema = z
  .string({ error: "Enter your name" })
  .trim()
  .min(1, "Enter your name")
  .max(NAME_MAX, `A name has at most ${NAME_MAX} characters`)
  // Control characters (CR/LF included) have no place in a name shown in mails and logs.
  .refine(hasNoControlCharacters, "A name cannot contain control characters");

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
