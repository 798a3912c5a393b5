import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { ForgotPasswordForm } from "@/app/(auth)/forgot-password/forgot-password-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

const SENT = "If an account exists for that address, a link is on its way.";

async function send(user: ReturnType<typeof userEvent.setup>, email: string) {
  if (email) await user.type(screen.getByLabelText("Email address"), email);
  await user.click(screen.getByRole("button", { name: "Send reset link" }));
}

describe("ForgotPasswordForm", () => {
  it("asks for an address and does not call the action without one", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<ForgotPasswordForm action={action} />);

    await send(user, "");

    const email = screen.getByLabelText("Email address");
    expect(await screen.findByText("Enter your email address")).toBeInTheDocument();
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription("Enter your email address");
    expect(email).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("rejects a malformed address before any request", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<ForgotPasswordForm action={action} />);

    await send(user, "alice@");

    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends the address as FormData", async () => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "success", message: SENT });
    render(<ForgotPasswordForm action={action} />);

    await send(user, "alice@example.com");

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ email: "alice@example.com" });
  });

  it("disables and relabels the button while sending, then shows the neutral answer", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    render(<ForgotPasswordForm action={action} />);

    await send(user, "alice@example.com");

    const busy = await screen.findByRole("button", { name: /Sending/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    pending.resolve({ status: "success", message: SENT });
    expect(await screen.findByRole("status")).toHaveTextContent(SENT);
    expect(screen.getByRole("button", { name: "Send the link again" })).toBeEnabled();
  });

  it("puts a server field error next to the field and shows a rate-limit message", async () => {
    const user = userEvent.setup();
    const action = fakeAction({
      status: "error",
      message: "Too many attempts. Try again in 42 seconds.",
      fieldErrors: { email: ["An email address has at most 254 characters"] },
      values: { email: "alice@example.com" },
    });
    render(<ForgotPasswordForm action={action} />);

    await send(user, "alice@example.com");

    expect(await screen.findByRole("alert")).toHaveTextContent("Too many attempts. Try again in 42 seconds.");
    const email = screen.getByLabelText("Email address");
    await waitFor(() => expect(email).toHaveAccessibleDescription("An email address has at most 254 characters"));
    expect(email).toHaveValue("alice@example.com");
  });

  it("uses the email autocomplete token and links back to sign-in", () => {
    render(<ForgotPasswordForm action={fakeAction()} />);
    expect(screen.getByLabelText("Email address")).toHaveAttribute("autocomplete", "email");
    expect(screen.getByRole("link", { name: "Back to sign in" })).toHaveAttribute("href", "/sign-in");
  });
});
