"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useActionState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { EmailField } from "@/components/ui/email-field";
import {
  FormMessage,
  type ServerAction,
  submitWhenValid,
  unplacedErrors,
  useFieldErrors,
  useServerFeedback,
} from "@/components/ui/form-feedback";
import { initialActionState } from "@/lib/validation/action-state";
import { forgotPasswordSchema } from "@/lib/validation/account";

type ForgotPasswordValues = z.input<typeof forgotPasswordSchema>;

const FIELDS = ["email"] as const;

/** Ask for a reset link by email. The answer never says whether the address has an account. */
export function ForgotPasswordForm({ action }: { action: ServerAction }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const form = useForm<ForgotPasswordValues>({
    resolver: zodResolver(forgotPasswordSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { email: state.values?.email ?? "" },
  });
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, focusOnMessage: "email" });

  const submit = submitWhenValid(handleSubmit, formAction);
  const emailErrors = shownErrors("email");
  const sent = state.status === "success";

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-5">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />
      {sent && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          The link works once and expires in 30 minutes. No email after a few minutes? Check your spam folder, or
          send the form again.
        </p>
      )}

      <EmailField id="forgot-email" errors={emailErrors} defaultValue={state.values?.email} {...register("email")} />

      <Button type="submit" fullWidth pending={isPending} pendingLabel="Sending…">
        {sent ? "Send the link again" : "Send reset link"}
      </Button>

      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        Remembered it?{" "}
        <Link href="/sign-in" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
          Back to sign in
        </Link>
      </p>
    </form>
  );
}
