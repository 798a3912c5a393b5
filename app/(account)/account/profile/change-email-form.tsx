"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useActionState, useEffect } from "react";
import { useForm } from "react-hook-form";
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
import { EmailField } from "@/components/ui/email-field";
import { Label } from "@/components/ui/label";
import { PasswordInput } from "@/components/ui/password-input";
import { initialActionState } from "@/lib/validation/action-state";
import { changeEmailSchema } from "@/lib/validation/account";

type ChangeEmailValues = z.input<typeof changeEmailSchema>;

const FIELDS = ["newEmail", "currentPassword"] as const;
const SECRET = ["currentPassword"] as const;
const CLEAR_ON_ERROR = ["currentPassword"] as const;

/** Step 1 of an email change: the new address and the current password. A code goes to the new address. */
export function ChangeEmailForm({ action }: { action: ServerAction }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const form = useForm<ChangeEmailValues>({
    resolver: zodResolver(changeEmailSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { newEmail: state.values?.newEmail ?? "", currentPassword: "" },
  });
  const {
    register,
    handleSubmit,
    reset,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, {
    fields: FIELDS,
    secret: SECRET,
    clearOnError: CLEAR_ON_ERROR,
    focusOnMessage: "currentPassword",
  });
  useEffect(() => {
    if (state.status === "success") reset({ newEmail: "", currentPassword: "" });
  }, [state, reset]);

  const submit = submitWhenValid(handleSubmit, formAction);
  const emailErrors = shownErrors("newEmail");
  const passwordErrors = shownErrors("currentPassword");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-4">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />

      <EmailField
        id="profile-new-email"
        label="New email address"
        errors={emailErrors}
        defaultValue={state.values?.newEmail}
        {...register("newEmail")}
      />

      <div className="space-y-1.5">
        <Label htmlFor="profile-email-password">Current password</Label>
        {/* Two fields on the profile say "Current password": the spoken name says which form this one belongs to. */}
        <PasswordInput
          id="profile-email-password"
          aria-label="Current password, to change your email address"
          autoComplete="current-password"
          required
          aria-invalid={passwordErrors.length > 0 || undefined}
          aria-describedby="profile-email-password-error"
          {...register("currentPassword")}
        />
        <FieldError id="profile-email-password-error" messages={passwordErrors} />
      </div>

      <Button type="submit" pending={isPending} pendingLabel="Sending code…">
        Send confirmation code
      </Button>
    </form>
  );
}
