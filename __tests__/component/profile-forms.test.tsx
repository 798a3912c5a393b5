import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ChangeEmailForm } from "@/app/(account)/account/profile/change-email-form";
import { ChangeNameForm } from "@/app/(account)/account/profile/change-name-form";
import { ChangePasswordForm } from "@/app/(account)/account/profile/change-password-form";
import { ConfirmEmailChangeForm } from "@/app/(account)/account/profile/confirm-email-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

type User = ReturnType<typeof userEvent.setup>;

const CURRENT = "correct horse battery staple 42!";
const NEW = "violet otter juggles 42 lanterns";

describe("ChangeNameForm", () => {
  it("starts with the current name and sends the new one as FormData", async () => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "success", message: "Your name was saved." });
    render(<ChangeNameForm action={action} name="Ana" />);

    const name = screen.getByLabelText("Name");
    expect(name).toHaveValue("Ana");
    await user.clear(name);
    await user.type(name, "Ana María");
    await user.click(screen.getByRole("button", { name: "Save name" }));

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ name: "Ana María" });
    expect(await screen.findByRole("status")).toHaveTextContent("Your name was saved.");
  });

  it("refuses an empty name on the client", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<ChangeNameForm action={action} name="Ana" />);

    await user.clear(screen.getByLabelText("Name"));
    await user.click(screen.getByRole("button", { name: "Save name" }));

    expect(await screen.findByText("Enter your name")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Name")).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("disables the button while saving", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    render(<ChangeNameForm action={fakeAction(() => pending.promise)} name="Ana" />);

    await user.click(screen.getByRole("button", { name: "Save name" }));

    expect(await screen.findByRole("button", { name: /Saving/ })).toBeDisabled();
    pending.resolve({ status: "success" });
    expect(await screen.findByRole("button", { name: "Save name" })).toBeEnabled();
  });
});

describe("the profile's two current-password fields", () => {
  it("have distinct accessible names that start with the visible label, saying which change each confirms", () => {
    render(
      <>
        <ChangeEmailForm action={fakeAction()} />
        <ChangePasswordForm action={fakeAction()} email="ana@example.com" name="Ana" />
      </>,
    );
    const fields = screen.getAllByLabelText("Current password");
    expect(fields).toHaveLength(2);
    expect(fields[0]).toHaveAccessibleName("Current password, to change your email address");
    expect(fields[1]).toHaveAccessibleName("Current password, to change your password");
  });
});

describe("ChangePasswordForm", () => {
  function renderForm(action = fakeAction(), minPasswordLength?: number) {
    render(<ChangePasswordForm action={action} email="ana@example.com" name="Ana" minPasswordLength={minPasswordLength} />);
    return action;
  }
  async function fill(user: User, current: string, next: string) {
    if (current) await user.type(screen.getByLabelText("Current password"), current);
    if (next) await user.type(screen.getByLabelText("New password"), next);
    await user.click(screen.getByRole("button", { name: "Change password" }));
  }

  it("shows an error for each field and does not call the action", async () => {
    const user = userEvent.setup();
    const action = renderForm();

    await fill(user, "", "short");

    expect(await screen.findByText("Enter your current password")).toBeInTheDocument();
    expect(screen.getByText("Use at least 15 characters")).toBeInTheDocument();
    expect(screen.getByLabelText("Current password")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(/Use at least 15 characters/);
    expect(screen.getByLabelText("Current password")).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("honours a server-configured minimum length", async () => {
    const user = userEvent.setup();
    const action = renderForm(fakeAction(), 24);
    await fill(user, CURRENT, NEW.slice(0, 20));
    expect(await screen.findByText("Use at least 24 characters")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends both passwords as FormData, then empties both fields", async () => {
    const user = userEvent.setup();
    const action = renderForm(fakeAction({ status: "success", message: "Your password was changed. 2 other sessions were signed out." }));

    await fill(user, CURRENT, NEW);

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ currentPassword: CURRENT, password: NEW });
    expect(await screen.findByRole("status")).toHaveTextContent("2 other sessions were signed out");
    await waitFor(() => expect(screen.getByLabelText("Current password")).toHaveValue(""));
    expect(screen.getByLabelText("New password")).toHaveValue("");
  });

  it("shows a wrong current password and focuses that field; a weak new one under its own field", async () => {
    const user = userEvent.setup();
    const answers: ActionState[] = [
      { status: "error", message: "Your current password is not correct." },
      { status: "error", message: "Please choose a stronger password.", fieldErrors: { password: ["This password is too easy to guess."] } },
    ];
    const action = renderForm(fakeAction(async () => answers.shift()!));

    await fill(user, "wrong current", NEW);
    expect(await screen.findByRole("alert")).toHaveTextContent("Your current password is not correct.");
    await waitFor(() => expect(screen.getByLabelText("Current password")).toHaveFocus());

    await user.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() => expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(/too easy to guess/));
    expect(screen.getByLabelText("New password")).toHaveFocus();
    expect(action).toHaveBeenCalledTimes(2);
  });

  it("disables the button while changing", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    renderForm(fakeAction(() => pending.promise));

    await fill(user, CURRENT, NEW);

    const busy = await screen.findByRole("button", { name: /Changing password/ });
    expect(busy).toBeDisabled();
    pending.resolve({ status: "success" });
    expect(await screen.findByRole("button", { name: "Change password" })).toBeEnabled();
  });

  it("uses the current-password and new-password autocomplete tokens", () => {
    renderForm();
    expect(screen.getByLabelText("Current password")).toHaveAttribute("autocomplete", "current-password");
    expect(screen.getByLabelText("New password")).toHaveAttribute("autocomplete", "new-password");
  });
});

describe("ChangeEmailForm", () => {
  async function fill(user: User, email: string, password: string) {
    if (email) await user.type(screen.getByLabelText("New email address"), email);
    if (password) await user.type(screen.getByLabelText("Current password"), password);
    await user.click(screen.getByRole("button", { name: "Send confirmation code" }));
  }

  it("checks both fields on the client", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<ChangeEmailForm action={action} />);

    await fill(user, "not-an-email", "");

    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(screen.getByText("Enter your current password")).toBeInTheDocument();
    expect(screen.getByLabelText("New email address")).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends the new address and the current password as FormData and shows the answer", async () => {
    const user = userEvent.setup();
    const message = "We sent a 6-digit code to new@example.com. Enter it below within 10 minutes to confirm the change.";
    const action = fakeAction({ status: "success", message });
    render(<ChangeEmailForm action={action} />);

    await fill(user, "New@Example.com", CURRENT);

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ newEmail: "New@Example.com", currentPassword: CURRENT });
    expect(await screen.findByRole("status")).toHaveTextContent(message);
  });

  it("after a refusal keeps the address, empties the password and focuses it", async () => {
    const user = userEvent.setup();
    const action = fakeAction({
      status: "error",
      message: "Your current password is not correct.",
      values: { newEmail: "new@example.com" },
    });
    render(<ChangeEmailForm action={action} />);

    await fill(user, "new@example.com", "wrong password");

    expect(await screen.findByRole("alert")).toHaveTextContent("Your current password is not correct.");
    const password = screen.getByLabelText("Current password");
    await waitFor(() => expect(password).toHaveValue(""));
    expect(password).toHaveFocus();
    expect(screen.getByLabelText("New email address")).toHaveValue("new@example.com");
  });

  it("disables the button while sending", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    render(<ChangeEmailForm action={fakeAction(() => pending.promise)} />);

    await fill(user, "new@example.com", CURRENT);

    expect(await screen.findByRole("button", { name: /Sending code/ })).toBeDisabled();
    pending.resolve({ status: "success" });
    expect(await screen.findByRole("button", { name: "Send confirmation code" })).toBeEnabled();
  });
});

describe("ConfirmEmailChangeForm", () => {
  const codeInput = () => screen.getByLabelText("Code sent to new@example.com");

  it("names the new address and is a one-time-code field", () => {
    render(<ConfirmEmailChangeForm action={fakeAction()} pendingEmail="new@example.com" />);
    expect(codeInput()).toHaveAttribute("autocomplete", "one-time-code");
    expect(codeInput()).toHaveAttribute("inputmode", "numeric");
  });

  it("refuses an incomplete code on the client", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<ConfirmEmailChangeForm action={action} pendingEmail="new@example.com" />);

    await user.type(codeInput(), "123");
    await user.click(screen.getByRole("button", { name: "Confirm new address" }));

    expect(await screen.findByText("Enter the 6-digit code from the email")).toBeInTheDocument();
    expect(codeInput()).toHaveAttribute("aria-invalid", "true");
    expect(action).not.toHaveBeenCalled();
  });

  it("submits a pasted code by itself, once, as FormData, with the button disabled meanwhile", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    render(<ConfirmEmailChangeForm action={action} pendingEmail="new@example.com" />);

    await user.click(codeInput());
    await user.paste("123 456");
    const busy = await screen.findByRole("button", { name: /Checking code/ });
    expect(busy).toBeDisabled();
    await user.click(busy);

    expect(action).toHaveBeenCalledTimes(1);
    expect(sentFields(action)).toEqual({ code: "123456" });
    pending.resolve({ status: "error", message: "That code is not valid. Check the latest email or ask for a new code." });
    expect(await screen.findByRole("alert")).toHaveTextContent("That code is not valid");
    await waitFor(() => expect(codeInput()).toHaveValue(""));
    expect(codeInput()).toHaveFocus();
  });

  it("after a refused code takes the next one typed key by key, and sends it", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    action.mockResolvedValueOnce({ status: "error", message: "That code is not valid. Check the latest email or ask for a new code." });
    render(<ConfirmEmailChangeForm action={action} pendingEmail="new@example.com" />);

    await user.type(codeInput(), "111111");
    expect(await screen.findByRole("alert")).toHaveTextContent("That code is not valid");
    await waitFor(() => expect(codeInput()).toHaveValue(""));

    // Each digit must stay: the refused answer is applied once, not again on every keystroke.
    await user.type(codeInput(), "12345");
    expect(codeInput()).toHaveValue("12345");
    await user.type(codeInput(), "6");
    await waitFor(() => expect(action).toHaveBeenCalledTimes(2));
    expect(sentFields(action, 1)).toEqual({ code: "123456" });
  });
});
