import { z } from "zod";
import { emailSchema, nameSchema, newPasswordSchema, otpCodeSchema, PASSWORD_MIN_DEFAULT } from "./auth";

/**
 * Schemas of the recovery and account forms, shared by the forms (client), the
 * server actions and the route handlers. Limits follow SECURITY.md.
 */

/**
 * The reset token as it arrives from the link. Deliberately lenient: a
 * malformed token is the same "link no longer valid" answer as an expired one,
 * decided by the server, not a field error.
 */
export const resetTokenSchema = z.string({ error: "This link is incomplete." }).trim().max(256, "This link is not valid.");

/** Checking the current password before a change: bounded, never judged. */
export const currentPasswordForChangeSchema = z
  .string({ error: "Enter your current password" })
  .min(1, "Enter your current password")
  .max(1024, "That password is too long");

export const forgotPasswordSchema = z.object({ email: emailSchema });

/** `minLength`: the server's PASSWORD_MIN_LENGTH, so client and server apply the same rule. */
export function resetPasswordSchemaFor(minLength = PASSWORD_MIN_DEFAULT) {
  return z.object({ token: resetTokenSchema, password: newPasswordSchema(minLength) });
}
export const resetPasswordSchema = resetPasswordSchemaFor();

export const changeNameSchema = z.object({ name: nameSchema });

export function changePasswordSchemaFor(minLength = PASSWORD_MIN_DEFAULT) {
  return z.object({ currentPassword: currentPasswordForChangeSchema, password: newPasswordSchema(minLength) });
}
export const changePasswordSchema = changePasswordSchemaFor();

export const changeEmailSchema = z.object({ newEmail: emailSchema, currentPassword: currentPasswordForChangeSchema });

export const confirmEmailChangeSchema = z.object({ code: otpCodeSchema });

/** A session id from a revoke button: a UUID or nothing (never reaches the database otherwise). */
export const revokeSessionSchema = z.object({ sessionId: z.uuid("That session was not found.") });

/** "Sign out all other sessions" carries no fields; anything sent along is ignored. */
export const revokeOtherSessionsSchema = z.object({});

export const ACTIVITY_PAGE_SIZE = 20;
export const ACTIVITY_MAX_PAGE = 500;

/** `?page=` of the activity list: 1-based; anything odd falls back to the first page. */
export const activityPageSchema = z.coerce.number().int().min(1).max(ACTIVITY_MAX_PAGE).catch(1);

export type ForgotPasswordInput = z.infer<typeof forgotPasswordSchema>;
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;
export type ChangeNameInput = z.infer<typeof changeNameSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;
export type ChangeEmailInput = z.infer<typeof changeEmailSchema>;
export type ConfirmEmailChangeInput = z.infer<typeof confirmEmailChangeSchema>;
