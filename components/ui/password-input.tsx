"use client";
import { useState, type ReactNode } from "react";
import { cn } from "./class-names";
import { Input, type InputProps } from "./input";

export type PasswordInputProps = Omit<InputProps, "type" | "autoComplete"> & {
  id: string;
  /** Required so every caller decides: "current-password" to sign in, "new-password" to choose one. */
  autoComplete: "current-password" | "new-password";
  /** Optional content under the field, e.g. a <StrengthMeter>. */
  meter?: ReactNode;
};

/** A password field with a show/hide toggle (aria-pressed) and an optional meter slot. */
export function PasswordInput({ id, className, meter, ...props }: PasswordInputProps) {
  const [visible, setVisible] = useState(false);
  return (
    <div>
      <div className="relative">
        <Input
          id={id}
          type={visible ? "text" : "password"}
          // Spell-check and autocapitalise would send the password to dictionaries or mangle it.
          spellCheck={false}
          autoCapitalize="none"
          autoCorrect="off"
          className={cn("pr-12", className)}
          {...props}
        />
        <button
          type="button"
          aria-controls={id}
          aria-pressed={visible}
          onClick={() => setVisible((v) => !v)}
          className="absolute inset-y-0 right-0 flex w-11 items-center justify-center rounded-r-md text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-500 dark:text-zinc-400 dark:hover:text-zinc-100"
        >
          {/* A fixed name with aria-pressed is the ARIA toggle pattern; the icon shows the state. */}
          <span className="sr-only">Show password</span>
          {visible ? <EyeOffIcon /> : <EyeIcon />}
        </button>
      </div>
      {meter}
    </div>
  );
}

function EyeIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" className="size-5">
      <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12Z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

function EyeOffIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" className="size-5">
      <path d="M3 3l18 18" />
      <path d="M10.6 5.1A10.8 10.8 0 0 1 12 5c6.4 0 10 7 10 7a17.6 17.6 0 0 1-3.2 4.2M6.6 6.6C3.8 8.4 2 12 2 12s3.6 7 10 7a9.8 9.8 0 0 0 5.4-1.6" />
      <path d="M9.9 9.9a3 3 0 0 0 4.2 4.2" />
    </svg>
  );
}
