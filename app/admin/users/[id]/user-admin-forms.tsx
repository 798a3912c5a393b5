"use client";
import { startTransition, useActionState, useId, useState, type FormEvent, type ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { Button, type ButtonVariant } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import type { ServerAction } from "@/components/ui/form-feedback";
import { inputClassName } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { initialActionState, type ActionState } from "@/lib/validation/action-state";

/**
 * The admin forms of one user. Every one is a POST form (GET never changes
 * state) bound to a server action through useActionState; buttons are
 * disabled while the action runs.
 */

function dispatchForm(event: FormEvent<HTMLFormElement>, dispatch: (formData: FormData) => void) {
  event.preventDefault();
  const formData = new FormData(event.currentTarget);
  // A transition, so useActionState reports isPending while the action runs.
  startTransition(() => dispatch(formData));
}

function Answer({ state }: { state: ActionState }) {
  if (state.status === "error" && state.message) return <Alert variant="error">{state.message}</Alert>;
  if (state.status === "success" && state.message) return <Alert variant="success">{state.message}</Alert>;
  return null;
}

/** One button, hidden fields, the action's answer above it. */
export function AdminActionButton({
  action,
  fields,
  label,
  pendingLabel,
  variant = "secondary",
  ariaLabel,
}: {
  action: ServerAction;
  fields: Record<string, string>;
  label: ReactNode;
  pendingLabel: string;
  variant?: ButtonVariant;
  ariaLabel?: string;
}) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <Answer state={state} />
      <Button type="submit" variant={variant} size="sm" pending={isPending} pendingLabel={pendingLabel} aria-label={ariaLabel}>
        {label}
      </Button>
    </form>
  );
}

/** Change the role (USER / ADMIN). */
export function RoleForm({ action, userId, role }: { action: ServerAction; userId: string; role: "USER" | "ADMIN" }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const id = useId();
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-3">
      <input type="hidden" name="userId" value={userId} />
      <Answer state={state} />
      <div className="flex flex-wrap items-end gap-2">
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-role`}>Role</Label>
          <select id={`${id}-role`} name="role" defaultValue={role} className={inputClassName}>
            <option value="USER">User</option>
            <option value="ADMIN">Admin</option>
          </select>
        </div>
        <Button type="submit" pending={isPending} pendingLabel="Saving…">
          Change role
        </Button>
      </div>
    </form>
  );
}

/** Lock sign-in for a while, or until unlocked. */
export function LockForm({
  action,
  userId,
  durations,
}: {
  action: ServerAction;
  userId: string;
  durations: Array<{ value: string; label: string }>;
}) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const id = useId();
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-3">
      <input type="hidden" name="userId" value={userId} />
      <Answer state={state} />
      <div className="flex flex-wrap items-end gap-2">
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-duration`}>Lock for</Label>
          <select id={`${id}-duration`} name="duration" defaultValue="indefinite" className={inputClassName}>
            {durations.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
        <Button type="submit" variant="danger" pending={isPending} pendingLabel="Locking…">
          Lock account
        </Button>
      </div>
    </form>
  );
}

/**
 * Delete the account: the admin types the user's email address; the button
 * stays disabled until it matches (the server checks it again).
 */
export function DeleteUserForm({ action, userId, email }: { action: ServerAction; userId: string; email: string }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  const [typed, setTyped] = useState("");
  const id = useId();
  const matches = typed.trim().toLowerCase() === email;
  const errors = state.fieldErrors?.confirmEmail ?? [];
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-3">
      <input type="hidden" name="userId" value={userId} />
      <Answer state={state} />
      <div className="space-y-1.5">
        <Label htmlFor={`${id}-confirm`}>
          Type <strong className="break-all">{email}</strong> to confirm
        </Label>
        <input
          id={`${id}-confirm`}
          name="confirmEmail"
          type="text"
          inputMode="email"
          autoComplete="off"
          spellCheck={false}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          aria-invalid={errors.length > 0 || undefined}
          aria-describedby={`${id}-confirm-error`}
          className={inputClassName}
        />
        <FieldError id={`${id}-confirm-error`} messages={errors} />
      </div>
      <Button type="submit" variant="danger" disabled={!matches} pending={isPending} pendingLabel="Deleting…">
        Delete this account
      </Button>
    </form>
  );
}
