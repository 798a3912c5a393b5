"use client";
import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "./button";

/**
 * A submit button for forms whose action is a plain server action (no useActionState),
 * e.g. sign-out: it reads the pending state of its enclosing <form>.
 */
export function SubmitButton(props: Omit<ButtonProps, "type" | "pending">) {
  const { pending } = useFormStatus();
  return <Button {...props} type="submit" pending={pending} />;
}
