"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useActionState, useRef } from "react";
import { useController, useForm } from "react-hook-form";
import type { z } from "zod";
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
import { Label } from "@/components/ui/label";
import { OtpInput } from "@/components/ui/otp-input";
import { initialActionState } from "@/lib/validation/action-state";
import { confirmEmailChangeSchema } from "@/lib/validation/account";

type ConfirmEmailValues = z.input<typeof confirmEmailChangeSchema>;

const FIELDS = ["code"] as const;
// A refused code is emptied so the next one can be typed or pasted straight away.
const CLEAR_ON_ERROR = ["code"] as const;

type ConfirmEmailChangeFormProps = {
  action: ServerAction;
  /** The new address the code was sent to. */
  pendingEmail: string;
  /** CSP nonce, forwarded to the OTP input's injected <style>. */
  nonce?: string;
};

/** Step 2 of an email change: the 6-digit code sent to the new address. */
export function ConfirmEmailChangeForm({ action, pendingEmail, nonce }: ConfirmEmailChangeFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const form = useForm<ConfirmEmailValues>({
    resolver: zodResolver(confirmEmailChangeSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { code: "" },
  });
  const {
    control,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, clearOnError: CLEAR_ON_ERROR, focusOnMessage: "code" });
  const {
    field: { name, value, onChange, onBlur, ref },
  } = useController({ name: "code", control });

  const formRef = useRef<HTMLFormElement>(null);
  // Auto-submit plus Enter must not send the same single-use code twice.
  const submit = submitWhenValid(handleSubmit, (formData) => {
    if (!isPending) formAction(formData);
  });
  const codeErrors = shownErrors("code");

  return (
    <form ref={formRef} action={formAction} onSubmit={submit} noValidate className="space-y-4">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />
      <div className="space-y-1.5">
        <Label htmlFor="profile-email-code">Code sent to {pendingEmail}</Label>
        <p id="profile-email-code-hint" className="text-sm text-zinc-600 dark:text-zinc-400">
          Your address changes only once this code is entered. The code is valid for 10 minutes.
        </p>
        <OtpInput
          id="profile-email-code"
          name={name}
          value={value ?? ""}
          onChange={onChange}
          onBlur={onBlur}
          ref={ref}
          onComplete={() => formRef.current?.requestSubmit()}
          invalid={codeErrors.length > 0}
          describedBy="profile-email-code-hint profile-email-code-error"
          nonce={nonce}
        />
        <FieldError id="profile-email-code-error" messages={codeErrors} />
      </div>
      <Button type="submit" pending={isPending} pendingLabel="Checking code…">
        Confirm new address
      </Button>
    </form>
  );
}
