"use client";
import { cn } from "./class-names";
import { ACCEPTED_SCORE, type PasswordStrength } from "./use-password-strength";

const levels = [
  { label: "Very weak", bar: "bg-danger-600 dark:bg-danger-400", text: "text-danger-600 dark:text-danger-400" },
  { label: "Weak", bar: "bg-danger-600 dark:bg-danger-400", text: "text-danger-600 dark:text-danger-400" },
  { label: "Fair", bar: "bg-warning-500", text: "text-warning-700 dark:text-warning-300" },
  { label: "Strong", bar: "bg-success-600 dark:bg-success-400", text: "text-success-600 dark:text-success-400" },
  { label: "Very strong", bar: "bg-success-600 dark:bg-success-400", text: "text-success-600 dark:text-success-400" },
] as const;

type StrengthMeterProps = {
  id: string;
  strength: PasswordStrength | null;
  className?: string;
};

/**
 * Four bars plus a word and the reasons. Colour is never the only signal: the label
 * and the advice are text, in a polite live region linked from the password input.
 */
export function StrengthMeter({ id, strength, className }: StrengthMeterProps) {
  const level = strength ? levels[strength.score] : undefined;
  const filled = strength ? Math.max(1, strength.score) : 0;
  return (
    <div id={id} aria-live="polite" className={cn("mt-2 text-sm", className)}>
      <div aria-hidden="true" className="grid grid-cols-4 gap-1">
        {[1, 2, 3, 4].map((bar) => (
          <span
            key={bar}
            className={cn(
              "h-1.5 rounded-full",
              level && bar <= filled ? level.bar : "bg-zinc-200 dark:bg-zinc-700",
            )}
          />
        ))}
      </div>
      {strength && level && (
        <div className="mt-1.5 space-y-1">
          <p className={cn("font-medium", level.text)}>Password strength: {level.label}</p>
          {strength.score < ACCEPTED_SCORE && (
            <p className="text-zinc-700 dark:text-zinc-300">Not strong enough yet: aim for &ldquo;Strong&rdquo;.</p>
          )}
          {strength.warning && <p className="text-zinc-700 dark:text-zinc-300">{strength.warning}</p>}
          {strength.suggestions.length > 0 && (
            <ul className="list-disc space-y-0.5 pl-5 text-zinc-600 dark:text-zinc-400">
              {strength.suggestions.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
