"use client";
import { OTPInput, REGEXP_ONLY_DIGITS, type SlotProps } from "input-otp";
import type { Ref } from "react";
import { cn } from "./class-names";
import { inputClassName } from "./input";
import { useHydrated } from "./use-hydrated";

export const OTP_LENGTH = 6;

export type OtpInputProps = {
  /** Pair with <Label htmlFor={id}>: the label names the single real input. */
  id: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  /** Called once when the sixth digit arrives (typed, pasted or autofilled). */
  onComplete?: (value: string) => void;
  onBlur?: () => void;
  ref?: Ref<HTMLInputElement>;
  disabled?: boolean;
  invalid?: boolean;
  describedBy?: string;
  autoFocus?: boolean;
  /** CSP nonce for the small <style> element input-otp injects. */
  nonce?: string;
};

// Pasted codes often arrive as "123 456" or "123-456": keep the digits only.
const digitsOnly = (text: string) => text.replace(/\D/g, "").slice(0, OTP_LENGTH);

/**
 * A 6-digit code field built on input-otp: one real <input> (so paste, SMS/email
 * autofill and screen readers all work) drawn as six boxes.
 */
export function OtpInput({
  id,
  name,
  value,
  onChange,
  onComplete,
  onBlur,
  ref,
  disabled,
  invalid,
  describedBy,
  autoFocus,
  nonce,
}: OtpInputProps) {
  const hydrated = useHydrated();
  const common = {
    id,
    name,
    ref,
    disabled,
    onBlur,
    autoFocus,
    autoComplete: "one-time-code",
    inputMode: "numeric" as const,
    "aria-invalid": invalid || undefined,
    "aria-describedby": describedBy,
  };

  if (!hydrated) {
    // input-otp styles its input with inline style attributes, which a strict CSP
    // (style-src without 'unsafe-inline') drops from server HTML. Until React runs,
    // render an ordinary numeric field that works without script; styles set later
    // by React go through the CSSOM and are not blocked.
    return (
      <input
        {...common}
        type="text"
        value={value}
        onChange={(event) => onChange(digitsOnly(event.target.value))}
        maxLength={OTP_LENGTH}
        pattern="[0-9]{6}"
        className={cn(inputClassName, "max-w-56 text-center font-mono text-xl tracking-[0.5em]")}
      />
    );
  }

  return (
    <OTPInput
      {...common}
      value={value}
      onChange={onChange}
      onComplete={onComplete}
      maxLength={OTP_LENGTH}
      pattern={REGEXP_ONLY_DIGITS}
      pasteTransformer={digitsOnly}
      nonce={nonce}
      noScriptCSSFallback={null}
      containerClassName="group flex items-center has-[:disabled]:opacity-60"
      render={({ slots }) => (
        // The real input (overlaid, transparent) carries value and label; the boxes are decoration.
        <div aria-hidden="true" className="flex items-center gap-1 min-[360px]:gap-1.5 sm:gap-2">
          {slots.slice(0, 3).map((slot, index) => (
            <Slot key={index} {...slot} invalid={invalid} />
          ))}
          <span className="w-2 text-center text-zinc-400 sm:w-3">–</span>
          {slots.slice(3).map((slot, index) => (
            <Slot key={index + 3} {...slot} invalid={invalid} />
          ))}
        </div>
      )}
    />
  );
}

function Slot({ char, isActive, hasFakeCaret, invalid }: SlotProps & { invalid?: boolean }) {
  return (
    <div
      className={cn(
        // 32 px wide on a 320 px phone: six boxes must fit inside the card without sideways scrolling.
        "relative flex h-11 w-8 items-center justify-center rounded-md border bg-white font-mono text-xl min-[360px]:w-10 sm:h-14 sm:w-12",
        "dark:bg-zinc-900",
        invalid ? "border-danger-600 dark:border-danger-400" : "border-zinc-300 dark:border-zinc-700",
        isActive && "z-10 outline-2 outline-brand-500",
      )}
    >
      {char}
      {hasFakeCaret && (
        <span className="pointer-events-none absolute inset-0 flex items-center justify-center">
          <span className="h-6 w-px animate-pulse bg-zinc-900 motion-reduce:animate-none dark:bg-zinc-100" />
        </span>
      )}
    </div>
  );
}
