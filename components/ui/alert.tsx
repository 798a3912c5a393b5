import type { ReactNode } from "react";
import { cn } from "./class-names";

export type AlertVariant = "error" | "info" | "success" | "warning";

const styles: Record<AlertVariant, string> = {
  error: "border-danger-600/40 bg-danger-50 text-danger-700 dark:border-danger-400/40 dark:bg-danger-950 dark:text-danger-300",
  info: "border-brand-500/40 bg-brand-50 text-brand-700 dark:border-brand-400/40 dark:bg-brand-950 dark:text-brand-300",
  success:
    "border-success-600/40 bg-success-50 text-success-600 dark:border-success-400/40 dark:bg-success-950 dark:text-success-300",
  warning:
    "border-warning-500/50 bg-warning-50 text-warning-700 dark:border-warning-500/40 dark:bg-warning-950 dark:text-warning-300",
};

type AlertProps = {
  variant?: AlertVariant;
  title?: ReactNode;
  children: ReactNode;
  className?: string;
};

/**
 * Errors interrupt (role="alert"); information and success wait their turn (role="status").
 */
export function Alert({ variant = "info", title, children, className }: AlertProps) {
  return (
    <div
      role={variant === "error" ? "alert" : "status"}
      className={cn("rounded-md border px-4 py-3 text-sm", styles[variant], className)}
    >
      {title && <p className="font-semibold">{title}</p>}
      <div className={title ? "mt-1" : undefined}>{children}</div>
    </div>
  );
}
