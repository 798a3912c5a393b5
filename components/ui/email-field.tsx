import { FieldError } from "./field-error";
import { Input, type InputProps } from "./input";
import { Label } from "./label";

type EmailFieldProps = Omit<InputProps, "id" | "type"> & {
  /** The input's id; the error list gets `${id}-error` and is linked by aria-describedby. */
  id: string;
  label?: string;
  errors: readonly string[];
};

/**
 * The email input every form uses: label, browser hints (autocomplete, keyboard,
 * no spell-check) and its live error list wired to it.
 */
export function EmailField({ id, label = "Email address", errors, ...props }: EmailFieldProps) {
  return (
    <div className="space-y-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Input
        id={id}
        type="email"
        autoComplete="email"
        inputMode="email"
        spellCheck={false}
        required
        aria-invalid={errors.length > 0 || undefined}
        aria-describedby={`${id}-error`}
        {...props}
      />
      <FieldError id={`${id}-error`} messages={errors} />
    </div>
  );
}
