/**
 * What every server action returns to its form (through useActionState).
 * Field errors hold every message per field, not just the first.
 * Passwords are never echoed back in `values`.
 */
export type ActionState = {
  status: "idle" | "success" | "error";
  /** A message for the whole form (shown in an alert with role="alert"). */
  message?: string;
  fieldErrors?: Partial<Record<string, string[]>>;
  /** Non-secret values to refill the form with after a failed submit. */
  values?: Record<string, string>;
  /** Seconds to wait before retrying (rate limits, resend cooldown). */
  retryAfter?: number;
  /**
   * A same-origin path (already vetted on the server) the form navigates to on
   * success. Used instead of redirect() when the form was submitted by script,
   * so the answer stays small instead of carrying the next page's render.
   */
  redirectTo?: string;
};

export const initialActionState: ActionState = { status: "idle" };
