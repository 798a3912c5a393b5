/**
 * SECURITY.md "Password reset": the one rule tested elsewhere only below the
 * page. Token format, storage, lifetime, concurrency, identical answers, links
 * from APP_URL and what a reset ends are in __tests__/integration/recovery.test.ts
 * and api-accounts.test.ts; Host / X-Forwarded-Host and the Referrer-Policy of
 * the production build in e2e/regressions.e2e.test.ts.
 */
import { renderToStaticMarkup } from "react-dom/server";
import ResetPasswordPage from "@/app/(auth)/reset-password/page";
import { settleBackgroundTasks } from "@/lib/auth/background";
import { requestPasswordReset, resetPassword } from "@/lib/auth/recovery";
import { extractLink } from "../helpers/smtp-sink";
import { CTX, OTHER_PASSWORD, createVerifiedUser, mailsTo, setupAuthHarness, uniqueEmail } from "../helpers/auth-harness";

const h = setupAuthHarness();

describe("opening the link only shows a form", () => {
  it("the reset page, rendered as often as a mail scanner likes, leaves the token unspent; the submit spends it", async () => {
    const { email } = await createVerifiedUser(h.sink, uniqueEmail("scanner"));
    await requestPasswordReset(email, CTX);
    await settleBackgroundTasks();
    const token = new URL(extractLink(mailsTo(h.sink, email).at(-1)!, "/reset-password")).searchParams.get("token")!;

    for (let i = 0; i < 5; i++) {
      const html = renderToStaticMarkup((await ResetPasswordPage({ searchParams: Promise.resolve({ token }) })) as React.ReactElement);
      expect(html).toMatch(/Choose a new password/);
      expect(html).not.toMatch(/no longer valid/);
    }
    const row = await h.db.resetToken.findFirstOrThrow();
    expect(row.usedAt).toBeNull();

    await resetPassword({ token, password: OTHER_PASSWORD }, CTX);
    expect((await h.db.resetToken.findFirstOrThrow()).usedAt).not.toBeNull();
    const after = renderToStaticMarkup((await ResetPasswordPage({ searchParams: Promise.resolve({ token }) })) as React.ReactElement);
    expect(after).toMatch(/no longer valid/);
  });
});
