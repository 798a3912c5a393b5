import { twMerge } from "tailwind-merge";

/**
 * Joins class names, skipping falsy ones, and lets later Tailwind classes win
 * over conflicting earlier ones (a caller's `p-0` over a Card's `p-5`), which
 * plain joining leaves to stylesheet order.
 */
export function cn(...classes: Array<string | false | null | undefined>): string {
  return twMerge(classes.filter(Boolean).join(" "));
}
