"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { Alert } from "@/components/ui/alert";
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
import { Label } from "@/components/ui/label";
import { PasswordInput } from "@/components/ui/password-input";
import { initialActionState } from "@/lib/validation/action-state";
import { signInSchema } from "@/lib/validation/auth";

type SignInValues = z.input<typeof signInSchema>;

const FIELDS = ["email", "password"] as const;
const SECRET = ["password"] as const;

// Only known reasons map to text: the query string is never shown to the user as-is.
// A Map, not an object literal, so "?reason=constructor" finds nothing.
const REASONS = new Map<string, string>([
  ["expired", "Your session ended, please sign in again."],
  ["signed-out", "You have signed out. See you soon!"],
  ["password-reset", "Your password was changed and every session signed out. Sign in with your new password."],
]);

type SignInFormProps = {
  action: ServerAction;
  /** `?next=` as received; passed through untouched, the server keeps only same-origin paths. */
  next?: string;
  /** `?reason=`: why the user landed here (expired session, signed out). */
  reason?: string;
};

/** Sign in with email and password. */
export function SignInForm({ action, next, reason }: SignInFormProps) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const form = useForm<SignInValues>({
    resolver: zodResolver(signInSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { email: state.values?.email ?? "", password: "" },
  });
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  // After a refused sign-in the password is emptied and focused, ready for another try.
  useServerFeedback(state, form, {
    fields: FIELDS,
    secret: SECRET,
    clearOnError: SECRET,
    focusOnMessage: "password",
  });

  // Signed in: the server sends where to go (a vetted same-origin path) instead of the page itself.
  const router = useRouter();
  const to = state.status === "success" ? state.redirectTo : undefined;
  const redirectTo = to?.startsWith("/") && !to.startsWith("//") ? to : undefined;
  useEffect(() => {
    if (redirectTo) router.push(redirectTo);
  }, [redirectTo, router]);

  const submit = submitWhenValid(handleSubmit, formAction);

  const notice = reason ? REASONS.get(reason) : undefined;
  const emailErrors = shownErrors("email");
  const passwordErrors = shownErrors("password");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-5">
      {/* Once the user has tried, the answer matters more than why they came here. */}
      {notice && state.status === "idle" && <Alert variant="info">{notice}</Alert>}
      <FormMessage state={state} extra={unplacedErrors(state, [...FIELDS, "next"])} />

      {next !== undefined && <input type="hidden" name="next" value={next} />}

      <EmailField id="sign-in-email" errors={emailErrors} defaultValue={state.values?.email} {...register("email")} />

      <div className="space-y-1.5">
        <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
          <Label htmlFor="sign-in-password">Password</Label>
          <Link
            href="/forgot-password"
            className="text-sm font-medium text-brand-600 hover:underline dark:text-brand-400"
          >
            Forgot your password?
          </Link>
        </div>
        <PasswordInput
          id="sign-in-password"
          autoComplete="current-password"
          required
          aria-invalid={passwordErrors.length > 0 || undefined}
          aria-describedby="sign-in-password-error"
          {...register("password")}
        />
        <FieldError id="sign-in-password-error" messages={passwordErrors} />
      </div>

      <Button type="submit" fullWidth pending={isPending || redirectTo !== undefined} pendingLabel="Signing in…">
        Sign in
      </Button>

      <p className="text-center text-sm text-zinc-600 dark:text-zinc-400">
        New here?{" "}
        <Link href="/sign-up" className="font-medium text-brand-600 hover:underline dark:text-brand-400">
          Create an account
        </Link>
      </p>
    </form>
  );
}
