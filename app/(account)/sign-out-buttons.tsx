import { SubmitButton } from "@/components/ui/submit-button";
import { signOutAction, signOutEverywhereAction } from "./actions";

/**
 * Two POST forms (never links: GET must not change state). Both actions revoke
 * server-side and redirect to /sign-in.
 */
export function SignOutButtons({ className }: { className?: string }) {
  return (
    <div className={className}>
      <form action={signOutAction}>
        <SubmitButton variant="secondary" size="sm" fullWidth pendingLabel="Signing out…">
          Sign out
        </SubmitButton>
      </form>
      <form action={signOutEverywhereAction}>
        <SubmitButton variant="ghost" size="sm" fullWidth pendingLabel="Signing out everywhere…">
          Sign out everywhere
        </SubmitButton>
      </form>
    </div>
  );
}
