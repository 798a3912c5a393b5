"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useActionState, useMemo } from "react";
import { useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import {
  FormMessage,
  type ServerAction,
  submitWhenValid,
  unplacedErrors,
  useFieldErrors,
  useServerFeedback,
} from "@/components/ui/form-feedback";
import { NewPasswordField } from "@/components/ui/new-password-field";
import { initialActionState } from "@/lib/validation/action-state";
import { resetPasswordSchemaFor } from "@/lib/validation/account";
import { PASSWORD_MIN_DEFAULT } from "@/lib/validation/auth";

type ResetPasswordValues = z.input<ReturnType<typeof resetPasswordSchemaFor>>;

const FIELDS = ["password"] as const;
const SECRET = ["password", "token"] as const;

type ResetPasswordFormProps = {
  /** resetPasswordAction: redirects to sign-in on success, to the dead-link page for a dead token. */
  action: ServerAction;
  /** The token from the link; sent back with the new password, never shown. */
  token: string;
  /** The account's address, for password managers and the strength check. */
  email: string;
  /** The server's PASSWORD_MIN_LENGTH. */
  minPasswordLength?: number;
};

/** Choose a new password from a reset link. */
export function ResetPasswordForm({ action, token, email, minPasswordLength = PASSWORD_MIN_DEFAULT }: ResetPasswordFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const schema = useMemo(() => resetPasswordSchemaFor(minPasswordLength), [minPasswordLength]);
  const form = useForm<ResetPasswordValues>({
    resolver: zodResolver(schema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { token, password: "" },
  });
  const {
    register,
    control,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, secret: SECRET, focusOnMessage: "password" });

  const password = useWatch({ control, name: "password" });

  const submit = submitWhenValid(handleSubmit, formAction);
  const passwordErrors = shownErrors("password");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-5">
      <FormMessage state={state} extra={unplacedErrors(state, [...FIELDS, "token"])} />

      {/* The value is in the server HTML too: without script the form posts what the page rendered. */}
      <input type="hidden" defaultValue={token} {...register("token")} />
      {/* Unnamed, so never sent: tells password managers which account the new password belongs to. */}
      <input type="email" autoComplete="username" value={email} readOnly hidden />

      <NewPasswordField
        id="reset-password"
        hint={`At least ${minPasswordLength} characters. A few unrelated words make a strong password.`}
        password={password ?? ""}
        accountEmail={email}
        accountName=""
        errors={passwordErrors}
        autoFocus
        {...register("password")}
      />

      <Button type="submit" fullWidth pending={isPending} pendingLabel="Saving your new password…">
        Set new password
      </Button>

      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        <Link href="/sign-in" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
          Back to sign in
        </Link>
      </p>
    </form>
  );
}
