"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useActionState, useMemo } from "react";
import { useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { EmailField } from "@/components/ui/email-field";
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
import { NewPasswordField } from "@/components/ui/new-password-field";
import { initialActionState } from "@/lib/validation/action-state";
import { newPasswordSchema, PASSWORD_MIN_DEFAULT, signUpSchema } from "@/lib/validation/auth";

type SignUpValues = z.input<typeof signUpSchema>;

// Module-level: one list per form, shared by every render.
const FIELDS = ["email", "name", "password"] as const;
const SECRET = ["password"] as const;

type SignUpFormProps = {
  action: ServerAction;
  /** The server's PASSWORD_MIN_LENGTH, so the client rule matches the one that decides. */
  minPasswordLength?: number;
};

/** Create an account: email, name, password (with a live strength meter). */
export function SignUpForm({ action, minPasswordLength = PASSWORD_MIN_DEFAULT }: SignUpFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const schema = useMemo(
    () =>
      minPasswordLength === PASSWORD_MIN_DEFAULT
        ? signUpSchema
        : signUpSchema.extend({ password: newPasswordSchema(minPasswordLength) }),
    [minPasswordLength],
  );
  const form = useForm<SignUpValues>({
    resolver: zodResolver(schema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    // Passwords are never refilled: a failed submit keeps what the user typed, nothing more.
    defaultValues: { email: state.values?.email ?? "", name: state.values?.name ?? "", password: "" },
  });
  const {
    register,
    control,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, secret: SECRET });

  const [email, name, password] = useWatch({ control, name: ["email", "name", "password"] });

  const submit = submitWhenValid(handleSubmit, formAction);

  const emailErrors = shownErrors("email");
  const nameErrors = shownErrors("name");
  const passwordErrors = shownErrors("password");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-5">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />

      <EmailField id="sign-up-email" errors={emailErrors} defaultValue={state.values?.email} {...register("email")} />

      <div className="space-y-1.5">
        <Label htmlFor="sign-up-name">Name</Label>
        <Input
          id="sign-up-name"
          autoComplete="name"
          required
          defaultValue={state.values?.name}
          aria-invalid={nameErrors.length > 0 || undefined}
          aria-describedby="sign-up-name-error"
          {...register("name")}
        />
        <FieldError id="sign-up-name-error" messages={nameErrors} />
      </div>

      <NewPasswordField
        id="sign-up-password"
        label="Password"
        hint={`At least ${minPasswordLength} characters. Spaces and any characters are welcome: a few unrelated words make a strong password.`}
        password={password ?? ""}
        accountEmail={email ?? ""}
        accountName={name ?? ""}
        errors={passwordErrors}
        {...register("password")}
      />

      <Button type="submit" fullWidth pending={isPending} pendingLabel="Creating your account…">
        Create account
      </Button>

      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Already have an account?{" "}
        <Link href="/sign-in" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
          Sign in
        </Link>
      </p>
    </form>
  );
}
