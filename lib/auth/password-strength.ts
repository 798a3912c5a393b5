import "server-only";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";
import { getEnv } from "../env";

/**
 * Offline guessability check (zxcvbn-ts with its common dictionary), fed the
 * user's own email, name and the app's name so "gatehouse-jane@shop.com" is weak.
 */
let factory: ZxcvbnFactory | undefined;
function estimator(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    translations: en.translations,
    graphs: common.adjacencyGraphs,
  });
  return factory;
}

export const MIN_STRENGTH_SCORE = 3;

/** Null when acceptable; otherwise the reason to show. */
export function passwordWeakness(password: string, userInputs: string[]): string | null {
  const inputs = [...userInputs, getEnv().APP_NAME, "gatehouse"].flatMap((v) => [v, ...v.split(/[@.\s_-]+/)]).filter((v) => v.length >= 3);
  const result = estimator().check(password, inputs);
  if (result.score >= MIN_STRENGTH_SCORE) return null;
  const warning = result.feedback.warning;
  const suggestion = result.feedback.suggestions[0];
  return ["This password is too easy to guess.", warning, suggestion].filter(Boolean).join(" ");
}
