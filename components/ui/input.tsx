import type { ComponentProps } from "react";
import { cn } from "./class-names";

/** Shared look for text-like fields; the red border follows `aria-invalid`, so state and style cannot drift. */
export const inputClassName = cn(
  "block w-full min-h-11 rounded-md border border-zinc-300 bg-white px-3 py-2 text-base text-zinc-900 shadow-xs",
  "placeholder:text-zinc-400 focus:border-brand-500 focus:outline-2 focus:outline-offset-0 focus:outline-brand-500/40",
  "disabled:cursor-not-allowed disabled:bg-zinc-100",
  "aria-invalid:border-danger-600 aria-invalid:focus:outline-danger-600/40",
  "dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:placeholder:text-zinc-500 dark:disabled:bg-zinc-800",
  "dark:aria-invalid:border-danger-400",
);

export type InputProps = ComponentProps<"input">;

/** A plain input; `ref` is a prop in React 19, so react-hook-form's register() works directly. */
export function Input({ className, type = "text", ...props }: InputProps) {
  return <input type={type} className={cn(inputClassName, className)} {...props} />;
}
