import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ResetPasswordForm } from "@/app/(auth)/reset-password/reset-password-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

const TOKEN = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c";
const EMAIL = "alice@example.com";
const GOOD_PASSWORD = "violet otter juggles 42 lanterns";

type Props = Parameters<typeof ResetPasswordForm>[0];

function renderForm(overrides: Partial<Omit<Props, "action">> & { action?: ReturnType<typeof fakeAction> } = {}) {
  const action = overrides.action ?? fakeAction();
  const view = render(<ResetPasswordForm token={TOKEN} email={EMAIL} {...overrides} action={action} />);
  return { action, view };
}

const passwordInput = () => screen.getByLabelText("New password");

async function submit(user: ReturnType<typeof userEvent.setup>, password: string) {
  if (password) await user.type(passwordInput(), password);
  await user.click(screen.getByRole("button", { name: "Set new password" }));
}

describe("ResetPasswordForm", () => {
  it("shows every rule the password breaks and does not call the action", async () => {
    const user = userEvent.setup();
    const { action } = renderForm();

    await submit(user, "short");

    expect(await screen.findByText("Use at least 15 characters")).toBeInTheDocument();
    expect(passwordInput()).toHaveAttribute("aria-invalid", "true");
    expect(passwordInput()).toHaveAccessibleDescription(/Use at least 15 characters/);
    expect(action).not.toHaveBeenCalled();
  });

  it("refuses more than 72 bytes instead of cutting the password", async () => {
    const user = userEvent.setup();
    const { action } = renderForm();

    await submit(user, "é".repeat(40));

    expect(await screen.findByText(/Passwords can be at most 72 bytes/)).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("honours a server-configured minimum length", async () => {
    const user = userEvent.setup();
    const { action } = renderForm({ minPasswordLength: 20 });

    await submit(user, "sixteen chars ok");

    expect(await screen.findByText("Use at least 20 characters")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends the token from the link with the new password as FormData", async () => {
    const user = userEvent.setup();
    const { action } = renderForm();

    await submit(user, GOOD_PASSWORD);

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ token: TOKEN, password: GOOD_PASSWORD });
  });

  it("never shows the token on the page", () => {
    const { view } = renderForm();
    expect(view.container.textContent).not.toContain(TOKEN);
    const hidden = view.container.querySelector('input[name="token"]');
    expect(hidden).toHaveAttribute("type", "hidden");
    expect(hidden).toHaveValue(TOKEN);
  });

  it("disables and relabels the button while saving", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const { action } = renderForm({ action: fakeAction(() => pending.promise) });

    await submit(user, GOOD_PASSWORD);

    const busy = await screen.findByRole("button", { name: /Saving your new password/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    expect(action).toHaveBeenCalledTimes(1);
    pending.resolve({ status: "error", message: "Too many attempts. Try again in 30 seconds." });
    expect(await screen.findByRole("button", { name: "Set new password" })).toBeEnabled();
    expect(screen.getByRole("alert")).toHaveTextContent("Too many attempts");
  });

  it("shows the server's strength verdict under the field, and never refills the password", async () => {
    const user = userEvent.setup();
    const { action } = renderForm({
      action: fakeAction({
        status: "error",
        message: "Please choose a stronger password.",
        fieldErrors: { password: ["This password is too easy to guess."] },
        values: { password: "leaked", token: "leaked" },
      }),
    });

    await submit(user, GOOD_PASSWORD);

    await waitFor(() => expect(passwordInput()).toHaveAccessibleDescription(/This password is too easy to guess\./));
    expect(passwordInput()).toHaveFocus();
    expect(passwordInput()).not.toHaveValue("leaked");
    expect(screen.getByRole("alert")).toHaveTextContent("Please choose a stronger password.");
    expect(action).toHaveBeenCalledTimes(1);
  });

  it("is a new-password field that password managers file under the account", () => {
    const { view } = renderForm();
    expect(passwordInput()).toHaveAttribute("autocomplete", "new-password");
    const username = view.container.querySelector('input[autocomplete="username"]');
    expect(username).toHaveValue(EMAIL);
    expect(username).not.toHaveAttribute("name");
  });
});
