"use client";
import { useMemo, type ReactNode } from "react";
import { FieldError } from "./field-error";
import { Label } from "./label";
import { PasswordInput, type PasswordInputProps } from "./password-input";
import { StrengthMeter } from "./strength-meter";
import { strengthUserInputs, usePasswordStrength } from "./use-password-strength";

type NewPasswordFieldProps = Omit<PasswordInputProps, "id" | "autoComplete" | "meter"> & {
  /** The input's id; `${id}-hint`, `${id}-error` and `${id}-strength` are linked by aria-describedby. */
  id: string;
  label?: string;
  /** What the field asks for, shown above it (the length rule, what happens next). */
  hint: ReactNode;
  /** The value typed so far (from useWatch), for the live strength estimate. */
  password: string;
  /** The account's email and name: a password built from them scores low, as on the server. */
  accountEmail: string;
  accountName: string;
  errors: readonly string[];
};

/**
 * The field every "choose a password" form uses (sign-up, reset, change):
 * label, hint, show/hide toggle, the zxcvbn-ts meter with its reasons, and the
 * error list, all wired for screen readers.
 */
export function NewPasswordField({
  id,
  label = "New password",
  hint,
  password,
  accountEmail,
  accountName,
  errors,
  ...props
}: NewPasswordFieldProps) {
  const userInputs = useMemo(() => strengthUserInputs(accountEmail, accountName), [accountEmail, accountName]);
  const strength = usePasswordStrength(password, userInputs);
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>{label}</Label>
      <p id={`${id}-hint`} className="text-sm text-zinc-600 dark:text-zinc-400">
        {hint}
      </p>
      <PasswordInput
        id={id}
        autoComplete="new-password"
        required
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={`${id}-hint ${id}-error ${id}-strength`}
        meter={<StrengthMeter id={`${id}-strength`} strength={strength} />}
        {...props}
      />
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}
