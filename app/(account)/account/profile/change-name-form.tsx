"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useActionState } from "react";
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
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { initialActionState } from "@/lib/validation/action-state";
import { changeNameSchema } from "@/lib/validation/account";

type ChangeNameValues = z.input<typeof changeNameSchema>;

const FIELDS = ["name"] as const;

/** Change the display name. */
export function ChangeNameForm({ action, name }: { action: ServerAction; name: string }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const form = useForm<ChangeNameValues>({
    resolver: zodResolver(changeNameSchema),
    criteriaMode: "all",
    mode: "onSubmit", // errors on submit, then live: no layout shift under a moving pointer
    reValidateMode: "onChange",
    defaultValues: { name: state.values?.name ?? name },
  });
  const {
    register,
    handleSubmit,
    formState: { errors },
  } = form;
  const shownErrors = useFieldErrors(state, errors);
  useServerFeedback(state, form, { fields: FIELDS, focusOnMessage: "name" });

  const submit = submitWhenValid(handleSubmit, formAction);
  const nameErrors = shownErrors("name");

  return (
    <form action={formAction} onSubmit={submit} noValidate className="space-y-4">
      <FormMessage state={state} extra={unplacedErrors(state, FIELDS)} />
      <div className="space-y-1.5">
        <Label htmlFor="profile-name">Name</Label>
        <Input
          id="profile-name"
          autoComplete="name"
          required
          defaultValue={state.values?.name ?? name}
          aria-invalid={nameErrors.length > 0 || undefined}
          aria-describedby="profile-name-error"
          {...register("name")}
        />
        <FieldError id="profile-name-error" messages={nameErrors} />
      </div>
      <Button type="submit" pending={isPending} pendingLabel="Saving…">
        Save name
      </Button>
    </form>
  );
}
