"use client";
import type { TranslationKeys, ZxcvbnFactory, ZxcvbnResult } from "@zxcvbn-ts/core";
import { useEffect, useState } from "react";

/** The server refuses passwords scoring below this (MIN_STRENGTH_SCORE in lib/auth/password-strength.ts). */
export const ACCEPTED_SCORE = 3;

export type PasswordStrength = {
  /** 0 (too guessable) to 4 (very unguessable), zxcvbn's scale. */
  score: 0 | 1 | 2 | 3 | 4;
  warning: string | null;
  suggestions: string[];
};

// zxcvbn-ts returns translation keys; these are the English texts shown next to the meter.
const translations: TranslationKeys = {
  warnings: {
    straightRow: "Straight rows of keys on your keyboard are easy to guess.",
    keyPattern: "Short keyboard patterns are easy to guess.",
    simpleRepeat: 'Repeated characters like "aaa" are easy to guess.',
    extendedRepeat: 'Repeated patterns like "abcabcabc" are easy to guess.',
    sequences: 'Common sequences like "abc" or "1234" are easy to guess.',
    recentYears: "Recent years are easy to guess.",
    dates: "Dates are easy to guess.",
    topTen: "This is one of the most used passwords.",
    topHundred: "This is a very frequently used password.",
    common: "This is a commonly used password.",
    similarToCommon: "This is similar to a commonly used password.",
    wordByItself: "Single words are easy to guess.",
    namesByThemselves: "Single names or surnames are easy to guess.",
    commonNames: "Common names and surnames are easy to guess.",
    userInputs: "Don't use your name, your email address or the name of this site.",
    pwned: "This password has appeared in a data breach.",
  },
  suggestions: {
    l33t: "Avoid predictable substitutions like '@' for 'a'.",
    reverseWords: "Avoid reversed spellings of common words.",
    allUppercase: "Capitalise some, but not all, letters.",
    capitalization: "Capitalise more than the first letter.",
    dates: "Avoid dates and years that are associated with you.",
    recentYears: "Avoid recent years.",
    associatedYears: "Avoid years that are associated with you.",
    sequences: "Avoid common character sequences.",
    repeated: "Avoid repeated words and characters.",
    longerKeyboardPattern: "Use longer keyboard patterns and change direction several times.",
    anotherWord: "Add more words that are less common.",
    useWords: "Use several unrelated words; avoid common phrases.",
    noNeed: "You don't need symbols, numbers or capitals: length and unusual words matter most.",
    pwned: "If you use this password anywhere else, change it there too.",
  },
  timeEstimation: {
    ltSecond: "less than a second",
    second: "{base} second",
    seconds: "{base} seconds",
    minute: "{base} minute",
    minutes: "{base} minutes",
    hour: "{base} hour",
    hours: "{base} hours",
    day: "{base} day",
    days: "{base} days",
    month: "{base} month",
    months: "{base} months",
    year: "{base} year",
    years: "{base} years",
    centuries: "centuries",
  },
};

let checker: Promise<ZxcvbnFactory> | undefined;

/**
 * Loads zxcvbn-ts and its dictionaries on first use. The dynamic imports put the
 * dictionaries (~1.5 MB before compression) in their own chunks, so pages without a
 * new-password field never download them and the sign-up page fetches them only once
 * someone starts typing. Same dictionaries as the server's check
 * (lib/auth/password-strength.ts), so the meter and the server's verdict agree.
 */
function loadChecker(): Promise<ZxcvbnFactory> {
  checker ??= Promise.all([
    import("@zxcvbn-ts/core"),
    import("@zxcvbn-ts/language-common"),
    import("@zxcvbn-ts/language-en"),
  ])
    .then(
      ([core, common, en]) =>
        new core.ZxcvbnFactory({
          dictionary: { ...common.dictionary, ...en.dictionary },
          graphs: common.adjacencyGraphs,
          // Our own wording (en's "There should not be any personal or page related data" reads oddly).
          translations,
        }),
    )
    .catch((error: unknown) => {
      // Let a later keystroke retry (e.g. the chunk failed on a flaky connection).
      checker = undefined;
      throw error;
    });
  return checker;
}

/**
 * Words the password should not be built from: the user's own details (whole and in
 * pieces, so "jane" in "jane.doe@shop.com" counts) and the app name.
 */
export function strengthUserInputs(email: string, name: string): string[] {
  const parts = [email, name, "gatehouse"].flatMap((v) => [v, ...v.split(/[@.\s_+-]+/)]);
  return [...new Set(parts.map((p) => p.trim().toLowerCase()).filter((p) => p.length >= 3))];
}

const DEBOUNCE_MS = 150;

/**
 * Strength of `password` while it is typed, or null when empty / still loading.
 * Advice only: the server runs the same check and has the final word.
 */
export function usePasswordStrength(password: string, userInputs: readonly string[]): PasswordStrength | null {
  const [result, setResult] = useState<{ password: string; strength: PasswordStrength } | null>(null);
  const inputsKey = userInputs.join("\u0000");

  useEffect(() => {
    if (!password) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      loadChecker()
        .then((zxcvbn) => {
          if (cancelled) return;
          const r: ZxcvbnResult = zxcvbn.check(password, inputsKey ? inputsKey.split("\u0000") : []);
          setResult({
            password,
            strength: { score: r.score, warning: r.feedback.warning, suggestions: r.feedback.suggestions },
          });
        })
        .catch(() => {
          // The meter is a hint; without it the form still works and the server still checks.
        });
    }, DEBOUNCE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [password, inputsKey]);

  // An empty field shows nothing; while a newer value is being scored, keep the last
  // result on screen instead of flickering to empty.
  if (!password || !result) return null;
  return result.strength;
}
