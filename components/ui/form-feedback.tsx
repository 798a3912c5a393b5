"use client";
import { type BaseSyntheticEvent, startTransition, useEffect, useEffectEvent } from "react";
import type {
  FieldError as HookFieldError,
  FieldErrors,
  FieldValues,
  Path,
  PathValue,
  UseFormHandleSubmit,
  UseFormReturn,
} from "react-hook-form";
import type { ActionState } from "@/lib/validation/action-state";
import { Alert } from "./alert";
import { useHydrated } from "./use-hydrated";

/** The shape of every form's server action, so tests can pass a fake. */
export type ServerAction = (prev: ActionState, formData: FormData) => Promise<ActionState>;

/**
 * onSubmit handler: react-hook-form validates on the client first (and focuses the
 * first invalid field); only a valid form is sent, as the FormData of the form element
 * itself, i.e. exactly what a no-script submit would post (hidden fields included).
 */
export function submitWhenValid<TIn extends FieldValues, TOut>(
  handleSubmit: UseFormHandleSubmit<TIn, TOut>,
  dispatch: (formData: FormData) => void,
): (event?: BaseSyntheticEvent) => Promise<void> {
  return handleSubmit((_values, event) => {
    // `target` (unlike `currentTarget`) survives the resolver's await.
    const form: unknown = event?.target;
    if (!(form instanceof HTMLFormElement)) return;
    const formData = new FormData(form);
    // A transition, so useActionState reports isPending while the action runs.
    startTransition(() => dispatch(formData));
  });
}

/**
 * Every message react-hook-form holds for a field. With criteriaMode "all" the
 * resolver puts one entry per failed rule in `types`; server errors use `types.server`.
 */
export function errorMessages(error: HookFieldError | undefined): string[] {
  if (!error) return [];
  const fromTypes = Object.values(error.types ?? {}).flatMap((value) =>
    typeof value === "string" ? [value] : Array.isArray(value) ? value : [],
  );
  const messages = fromTypes.length > 0 ? fromTypes : error.message ? [error.message] : [];
  return [...new Set(messages)];
}

/**
 * The messages to show under each field. Once React runs they are react-hook-form's
 * (its own checks, and the server's through useServerFeedback). Before that, in the
 * server's HTML (which is the whole answer to a form posted without JavaScript), they
 * are the server answer's field errors: the fields the alert calls highlighted are
 * highlighted with or without script. Hydration sees the server's list too, so the
 * two renders agree.
 */
export function useFieldErrors<T extends FieldValues>(
  state: ActionState,
  errors: FieldErrors<T>,
): (name: Path<T>) => string[] {
  const hydrated = useHydrated();
  return (name) =>
    hydrated
      ? errorMessages(errors[name] as HookFieldError | undefined)
      : [...new Set((state.fieldErrors?.[name] ?? []).filter(Boolean))];
}

type FeedbackOptions<T extends FieldValues> = {
  /** The visible fields, in the order they appear (focus goes to the first with an error). */
  fields: readonly Path<T>[];
  /** Never refilled from `values`, whatever the server sends (passwords). */
  secret?: readonly Path<T>[];
  /** Emptied after a failed submit (e.g. the password after a failed sign-in). */
  clearOnError?: readonly Path<T>[];
  /** Where focus goes when the server sends only a message (no field errors). */
  focusOnMessage?: Path<T>;
};

/**
 * Applies a server answer to the form, once per answer: refills non-secret values,
 * shows every server field error next to its field (cleared as soon as the user edits
 * it, because react-hook-form re-validates on change after a submit) and moves focus
 * to the first field in error.
 *
 * Keyed on the answer alone (useActionState hands back the same object until the next
 * one): an effect that also re-ran when an option array or a form method changed would
 * apply the answer again on a later render, and with `clearOnError` that emptied each
 * digit of the next code as it was typed (issue 15).
 */
export function useServerFeedback<T extends FieldValues>(
  state: ActionState,
  form: Pick<UseFormReturn<T>, "setError" | "setFocus" | "setValue">,
  { fields, secret = [], clearOnError = [], focusOnMessage }: FeedbackOptions<T>,
): void {
  const { setError, setFocus, setValue } = form;
  const apply = useEffectEvent((answer: ActionState) => {
    if (answer.status !== "error") return;
    for (const name of fields) {
      const value = answer.values?.[name];
      if (value !== undefined && !secret.includes(name)) setValue(name, value as PathValue<T, Path<T>>);
    }
    for (const name of clearOnError) setValue(name, "" as PathValue<T, Path<T>>);
    let first: Path<T> | undefined;
    for (const name of fields) {
      const messages = (answer.fieldErrors?.[name] ?? []).filter(Boolean);
      if (messages.length === 0) continue;
      setError(name, { type: "server", message: messages[0], types: { server: messages } });
      first ??= name;
    }
    const target = first ?? (answer.message ? focusOnMessage : undefined);
    if (target) setFocus(target);
  });
  useEffect(() => apply(state), [state]);
}

/** Server field errors for fields the form does not show (so none is silently lost). */
export function unplacedErrors(state: ActionState, fields: readonly string[]): string[] {
  return Object.entries(state.fieldErrors ?? {})
    .filter(([name]) => !fields.includes(name))
    .flatMap(([, messages]) => messages ?? []);
}

/** The form-level answer: an error alert, or a success status. Nothing while idle. */
export function FormMessage({ state, extra = [] }: { state: ActionState; extra?: readonly string[] }) {
  if (state.status === "error" && (state.message || extra.length > 0)) {
    return (
      <Alert variant="error">
        {state.message && <p>{state.message}</p>}
        {extra.length > 0 && (
          <ul className="mt-1 list-disc pl-5">
            {extra.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
      </Alert>
    );
  }
  if (state.status === "success" && state.message) return <Alert variant="success">{state.message}</Alert>;
  return null;
}
