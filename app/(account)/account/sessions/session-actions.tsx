"use client";
import { startTransition, useActionState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { ServerAction } from "@/components/ui/form-feedback";
import { initialActionState } from "@/lib/validation/action-state";

function dispatchForm(event: FormEvent<HTMLFormElement>, dispatch: (formData: FormData) => void) {
  event.preventDefault();
  const formData = new FormData(event.currentTarget);
  // A transition, so useActionState reports isPending while the action runs.
  startTransition(() => dispatch(formData));
}

/** POST form ending one session (never a link: GET must not change state). */
export function RevokeSessionButton({ action, sessionId, device }: { action: ServerAction; sessionId: string; device: string }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-2">
      <input type="hidden" name="sessionId" value={sessionId} />
      {state.status === "error" && state.message && <Alert variant="error">{state.message}</Alert>}
      <Button type="submit" variant="secondary" size="sm" pending={isPending} pendingLabel="Signing out…" aria-label={`Sign out ${device}`}>
        Sign out
      </Button>
    </form>
  );
}

/** POST form ending every session but this one. */
export function RevokeOtherSessionsButton({ action }: { action: ServerAction }) {
  const [state, formAction, isPending] = useActionState(action, initialActionState);
  return (
    <form action={formAction} onSubmit={(e) => dispatchForm(e, formAction)} className="space-y-3">
      {state.status === "error" && state.message && <Alert variant="error">{state.message}</Alert>}
      {state.status === "success" && state.message && <Alert variant="success">{state.message}</Alert>}
      <Button type="submit" variant="danger" pending={isPending} pendingLabel="Signing out other sessions…">
        Sign out all other sessions
      </Button>
    </form>
  );
}
