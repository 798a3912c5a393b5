"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { startTransition, useActionState, useEffect, useRef, useState, type FormEvent } from "react";
import { useController, useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import {
  FormMessage,
  type ServerAction,
  submitWhenValid,
  unplacedErrors,
  useFieldErrors,
  useServerFeedback,
} from "@/components/ui/form-feedback";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { OtpInput } from "@/components/ui/otp-input";
import { type ActionState, initialActionState } from "@/lib/validation/action-state";
import { verifyEmailSchema } from "@/lib/validation/auth";

type VerifyEmailValues = z.input<typeof verifyEmailSchema>;

const FIELDS_WITH_EMAIL = ["email", "code"] as const;
const FIELDS_CODE_ONLY = ["code"] as const;
// A refused code is emptied so the next one can be typed or pasted straight away.
const CLEAR_ON_ERROR = ["code"] as const;

type VerifyEmailFormProps = {
  /** verifyEmailAction: redirects on success, so this form never navigates itself. */
  action: ServerAction;
  /** resendCodeAction: answers { retryAfter } with the cooldown before the next resend. */
  resendAction: ServerAction;
  /** A valid address from `?email=`; without it the form asks for one. */
  email?: string;
  /** CSP nonce, forwarded to the OTP input's injected <style>. */
  nonce?: string;
};

/** Enter the 6-digit code sent by email, or ask for a new one. */
export function VerifyEmailForm({ action, resendAction, email, nonce }: VerifyEmailFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const [resendState, resendFormAction, isResending] = useActionState(resendAction, initialActionState);
  const emailKnown = Boolean(email);

  const form = useForm<VerifyEmailValues>({
    resolver: zodResolver(verifyEmailSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { email: email ?? state.values?.email ?? "", code: "" },
  });
  const {
    register,
    control,
    handleSubmit,
    trigger,
    setFocus,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  const fields = emailKnown ? FIELDS_CODE_ONLY : FIELDS_WITH_EMAIL;
  useServerFeedback(state, form, { fields, clearOnError: CLEAR_ON_ERROR, focusOnMessage: "code" });
  const {
    field: { name: codeName, value: codeValue, onChange: onCodeChange, onBlur: onCodeBlur, ref: codeRef },
  } = useController({ name: "code", control });
  const currentEmail = useWatch({ control, name: "email" });

  const formRef = useRef<HTMLFormElement>(null);
  // Auto-submit plus Enter must not send the same single-use code twice.
  const submit = submitWhenValid(handleSubmit, (formData) => {
    if (!isPending) formAction(formData);
  });

  const resend = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const resendForm = event.currentTarget; // read before the await: React clears currentTarget
    if (!(await trigger("email"))) {
      setFocus("email");
      return;
    }
    const formData = new FormData(resendForm);
    startTransition(() => resendFormAction(formData));
  };

  const wait = useRetryCountdown(resendState);
  const emailErrors = shownErrors("email");
  const codeErrors = shownErrors("code");
  // With the address hidden, its errors (if the server has any) go to the alert.
  const extra = unplacedErrors(state, fields).concat(emailKnown ? shownErrors("email") : []);

  return (
    <div className="space-y-6">
      <form ref={formRef} action={formAction} onSubmit={submit} noValidate className="space-y-5">
        <FormMessage state={state} extra={[...new Set(extra)]} />

        {emailKnown ? (
          // The value is in the server HTML too: without script the form posts what the page rendered.
          <input type="hidden" defaultValue={email} {...register("email")} />
        ) : (
          <div className="space-y-1.5">
            <Label htmlFor="verify-email">Email address</Label>
            <Input
              id="verify-email"
              type="email"
              autoComplete="email"
              inputMode="email"
              spellCheck={false}
              required
              defaultValue={state.values?.email}
              aria-invalid={emailErrors.length > 0 || undefined}
              aria-describedby="verify-email-error"
              {...register("email")}
            />
            <FieldError id="verify-email-error" messages={emailErrors} />
          </div>
        )}

        <div className="space-y-1.5">
          <Label htmlFor="verify-code">6-digit code</Label>
          <p id="verify-code-hint" className="text-sm text-zinc-600 dark:text-zinc-400">
            The code is valid for 10 minutes. You can paste it.
          </p>
          <OtpInput
            id="verify-code"
            name={codeName}
            value={codeValue ?? ""}
            onChange={onCodeChange}
            onBlur={onCodeBlur}
            ref={codeRef}
            // Six digits is a complete answer: submit without making the user look for the button.
            onComplete={() => formRef.current?.requestSubmit()}
            invalid={codeErrors.length > 0}
            describedBy="verify-code-hint verify-code-error"
            autoFocus={emailKnown}
            nonce={nonce}
          />
          <FieldError id="verify-code-error" messages={codeErrors} />
        </div>

        <Button type="submit" fullWidth pending={isPending} pendingLabel="Checking code…">
          Verify email
        </Button>
      </form>

      <form
        action={resendFormAction}
        onSubmit={resend}
        noValidate
        className="space-y-3 border-t border-zinc-200 pt-5 dark:border-zinc-800"
      >
        <input type="hidden" name="email" value={currentEmail ?? ""} />
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          No email? Check your spam folder, or ask for another code.
        </p>
        {resendState.status === "success" && (
          <Alert variant="success">{resendState.message ?? "We sent a new code. The previous one no longer works."}</Alert>
        )}
        {resendState.status === "error" && resendState.message && <Alert variant="error">{resendState.message}</Alert>}
        <Button
          type="submit"
          variant="secondary"
          fullWidth
          pending={isResending}
          pendingLabel="Sending…"
          disabled={wait > 0}
        >
          {wait > 0 ? `Send again in ${wait} s` : "Send a new code"}
        </Button>
      </form>

      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Wrong address?{" "}
        <Link href="/sign-up" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
          Create your account again
        </Link>
      </p>
    </div>
  );
}

/**
 * Seconds left before another resend is allowed, from the answer's `retryAfter`.
 * Counts against a deadline (not by decrements) so a throttled background tab
 * still shows the right number when it wakes up.
 */
function useRetryCountdown(state: ActionState): number {
  const [tick, setTick] = useState<{ source: ActionState; remaining: number } | null>(null);
  const seconds = state.retryAfter;
  useEffect(() => {
    if (!seconds || seconds <= 0) return;
    const deadline = Date.now() + seconds * 1000;
    const timer = window.setInterval(() => {
      const remaining = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      setTick({ source: state, remaining });
      if (remaining === 0) window.clearInterval(timer);
    }, 250);
    return () => window.clearInterval(timer);
  }, [state, seconds]);
  if (!seconds || seconds <= 0) return 0;
  // Until the first tick of this answer, the full wait is the right number to show.
  return tick?.source === state ? tick.remaining : Math.ceil(seconds);
}
