"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useActionState, useEffect, useMemo } from "react";
import { useForm, useWatch } from "react-hook-form";
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
import { NewPasswordField } from "@/components/ui/new-password-field";
import { PasswordInput } from "@/components/ui/password-input";
import { initialActionState } from "@/lib/validation/action-state";
import { changePasswordSchemaFor } from "@/lib/validation/account";
import { PASSWORD_MIN_DEFAULT } from "@/lib/validation/auth";

type ChangePasswordValues = z.input<ReturnType<typeof changePasswordSchemaFor>>;

const FIELDS = ["currentPassword", "password"] as const;
const SECRET = ["currentPassword", "password"] as const;

type ChangePasswordFormProps = {
  action: ServerAction;
  /** The account's email and name, so the strength meter flags passwords built from them. */
  email: string;
  name: string;
  /** The server's PASSWORD_MIN_LENGTH. */
  minPasswordLength?: number;
};

/** Change the password: the current one, then the new one (with the strength meter). */
export function ChangePasswordForm({ action, email, name, minPasswordLength = PASSWORD_MIN_DEFAULT }: ChangePasswordFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const schema = useMemo(() => changePasswordSchemaFor(minPasswordLength), [minPasswordLength]);
  const form = useForm<ChangePasswordValues>({
    resolver: zodResolver(schema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { currentPassword: "", password: "" },
  });
  const {
    register,
    control,
    handleSubmit,
    reset,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, secret: SECRET, focusOnMessage: "currentPassword" });
  // Once changed, neither password stays on screen.
  useEffect(() => {
    if (state.status === "success") reset({ currentPassword: "", password: "" });
  }, [state, reset]);

  const password = useWatch({ control, name: "password" });

  const submit = submitWhenValid(handleSubmit, formAction);
  const currentErrors = shownErrors("currentPassword");
  const passwordErrors = shownErrors("password");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-4">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />
      {/* Unnamed, so never sent: tells password managers which account this is. */}
      <input type="email" autoComplete="username" value={email} readOnly hidden />

      <div className="space-y-1.5">
        <Label htmlFor="profile-current-password">Current password</Label>
        {/* Two fields on the profile say "Current password": the spoken name says which form this one belongs to. */}
        <PasswordInput
          id="profile-current-password"
          aria-label="Current password, to change your password"
          autoComplete="current-password"
          required
          aria-invalid={currentErrors.length > 0 || undefined}
          aria-describedby="profile-current-password-error"
          {...register("currentPassword")}
        />
        <FieldError id="profile-current-password-error" messages={currentErrors} />
      </div>

      <NewPasswordField
        id="profile-new-password"
        hint={`At least ${minPasswordLength} characters. Your other devices will be signed out; this one stays signed in.`}
        password={password ?? ""}
        accountEmail={email}
        accountName={name}
        errors={passwordErrors}
        {...register("password")}
      />

      <Button type="submit" pending={isPending} pendingLabel="Changing password…">
        Change password
      </Button>
    </form>
  );
}
