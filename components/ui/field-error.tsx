import { cn } from "./class-names";

type FieldErrorProps = {
  /** Referenced by the input's aria-describedby. */
  id: string;
  messages?: readonly string[];
  className?: string;
};

/**
 * Every message for one field. The element is always rendered (even when empty) so the
 * live region exists before a message arrives and screen readers announce the change.
 */
export function FieldError({ id, messages = [], className }: FieldErrorProps) {
  return (
    <div id={id} aria-live="polite" className={cn("text-sm text-danger-600 dark:text-danger-400", className)}>
      {messages.length > 0 && (
        <ul className="mt-1.5 space-y-0.5">
          {messages.map((message) => (
            <li key={message} className="flex gap-1.5">
              <span aria-hidden="true">•</span>
              <span>{message}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
