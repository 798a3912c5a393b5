import "server-only";
import { unstable_rethrow } from "next/navigation";
import { z } from "zod";
import { log } from "../log";
import type { ActionState } from "../validation/action-state";
import { AuthError } from "./errors";
import { WeakPasswordError } from "./accounts";
import { getRequestContext, type RequestContext } from "./request-context";

const SECRET_FIELDS = new Set(["password", "currentPassword", "newPassword", "code", "token"]);

/** FormData → plain object of strings (files and Next's internal $ACTION fields dropped). */
function formToObject(formData: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("$")) out[key] = value;
  }
  return out;
}

function safeValues(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !SECRET_FIELDS.has(k)).map(([k, v]) => [k, v.slice(0, 300)]));
}

/**
 * The one wrapper every server action uses: parse FormData with the shared zod
 * schema (every field error, not just the first), run the flow with the request
 * context, and turn known failures into form state. Unknown errors are logged
 * and answered generically: no stack trace or database detail reaches the page.
 */
export function validatedAction<S extends z.ZodType>(
  schema: S | (() => S),
  fn: (data: z.infer<S>, ctx: RequestContext, raw: Record<string, string>) => Promise<ActionState | void>,
) {
  return async (_prev: ActionState, formData: FormData): Promise<ActionState> => {
    const raw = formToObject(formData);
    // A function defers settings-dependent schemas (password length) to request time.
    const parsed = (typeof schema === "function" ? schema() : schema).safeParse(raw);
    if (!parsed.success) {
      return {
        status: "error",
        message: "Please fix the highlighted fields.",
        fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]>,
        values: safeValues(raw),
      };
    }
    try {
      const ctx = await getRequestContext();
      return (await fn(parsed.data, ctx, raw)) ?? { status: "success" };
    } catch (err) {
      unstable_rethrow(err); // let redirect() and notFound() through
      if (err instanceof WeakPasswordError) {
        return { status: "error", message: "Please choose a stronger password.", fieldErrors: { password: [err.message] }, values: safeValues(raw) };
      }
      if (err instanceof AuthError) {
        return { status: "error", message: err.message, retryAfter: err.retryAfter, values: safeValues(raw) };
      }
      log().error({ err: err instanceof Error ? { name: err.name } : typeof err }, "action failed");
      return {
        status: "error",
        message: "Something went wrong on our side. Please try again in a moment.",
        values: safeValues(raw),
      };
    }
  };
}
