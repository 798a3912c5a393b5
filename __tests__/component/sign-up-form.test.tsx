import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { SignUpForm } from "@/app/(auth)/sign-up/sign-up-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

const GOOD_PASSWORD = "violet otter juggles 42 lanterns";

async function fill(user: ReturnType<typeof userEvent.setup>, values: { email?: string; name?: string; password?: string }) {
  if (values.email) await user.type(screen.getByLabelText("Email address"), values.email);
  if (values.name) await user.type(screen.getByLabelText("Name"), values.name);
  if (values.password) await user.type(screen.getByLabelText("Password"), values.password);
}

describe("SignUpForm", () => {
  it("shows every client-side error, marks the fields invalid, focuses the first and does not call the action", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignUpForm action={action} />);

    await fill(user, { email: "not-an-email", password: "short" });
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const email = screen.getByLabelText("Email address");
    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(screen.getByText("Enter your name")).toBeInTheDocument();
    expect(screen.getByText("Use at least 15 characters")).toBeInTheDocument();
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription(/Enter a valid email address/);
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/Use at least 15 characters/);
    expect(email).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("honours a server-configured minimum length", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignUpForm action={action} minPasswordLength={20} />);

    await fill(user, { email: "alice@example.com", name: "Alice", password: "sixteen chars ok" });
    await user.click(screen.getByRole("button", { name: "Create account" }));

    expect(await screen.findByText("Use at least 20 characters")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends email, name and password as FormData when the input is valid", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignUpForm action={action} />);

    await fill(user, { email: "alice@example.com", name: "Alice Liddell", password: GOOD_PASSWORD });
    await user.click(screen.getByRole("button", { name: "Create account" }));

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ email: "alice@example.com", name: "Alice Liddell", password: GOOD_PASSWORD });
  });

  it("shows the server's message and every field error, refills values but never the password", async () => {
    const user = userEvent.setup();
    const answer: ActionState = {
      status: "error",
      message: "Please fix the fields below.",
      fieldErrors: {
        password: ["This password is on a list of common passwords", "Don't use your name in your password"],
      },
      // A server must never send this back; if one did, the form still would not show it.
      values: { email: "alice@example.com", name: "Alice", password: "leaked-from-server" },
    };
    const action = fakeAction(answer);
    render(<SignUpForm action={action} />);

    await fill(user, { email: "Alice@Example.com", name: "Alice", password: GOOD_PASSWORD });
    await user.click(screen.getByRole("button", { name: "Create account" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Please fix the fields below.");
    const password = screen.getByLabelText("Password");
    expect(await screen.findByText("This password is on a list of common passwords")).toBeInTheDocument();
    expect(screen.getByText("Don't use your name in your password")).toBeInTheDocument();
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password).toHaveFocus();
    expect(screen.getByLabelText("Email address")).toHaveValue("alice@example.com");
    expect(password).not.toHaveValue("leaked-from-server");
  });

  it("disables and relabels the button while the action runs", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    render(<SignUpForm action={action} />);

    await fill(user, { email: "alice@example.com", name: "Alice", password: GOOD_PASSWORD });
    await user.click(screen.getByRole("button", { name: "Create account" }));

    const busy = await screen.findByRole("button", { name: /Creating your account/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");

    pending.resolve({ status: "error", message: "Try again later." });
    const idle = await screen.findByRole("button", { name: "Create account" });
    expect(idle).toBeEnabled();
    expect(idle).not.toHaveAttribute("aria-busy");
  });

  it("rates the password while typing and explains why it is weak", async () => {
    const user = userEvent.setup();
    render(<SignUpForm action={fakeAction()} />);

    await fill(user, { email: "alice@example.com", name: "Alice" });
    await user.type(screen.getByLabelText("Password"), "password");
    expect(await screen.findByText("Password strength: Very weak", {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByText("This is one of the most used passwords.")).toBeInTheDocument();
    expect(screen.getByText(/Not strong enough yet/)).toBeInTheDocument();

    await user.clear(screen.getByLabelText("Password"));
    await user.type(screen.getByLabelText("Password"), GOOD_PASSWORD);
    expect(await screen.findByText(/Password strength: (Strong|Very strong)/, {}, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.queryByText(/Not strong enough yet/)).not.toBeInTheDocument();
  });

  it("counts the user's own details and the app name against the password", async () => {
    const user = userEvent.setup();
    render(<SignUpForm action={fakeAction()} />);

    await fill(user, { email: "zanzibar@example.com", name: "Quentin" });
    await user.type(screen.getByLabelText("Password"), "zanzibarquentin");
    expect(
      await screen.findByText("Don't use your name, your email address or the name of this site.", {}, { timeout: 5000 }),
    ).toBeInTheDocument();
  });

  it("counts the app's name against the password", async () => {
    const user = userEvent.setup();
    render(<SignUpForm action={fakeAction()} />);

    await user.type(screen.getByLabelText("Password"), "gatehouse!");
    expect(
      await screen.findByText("Don't use your name, your email address or the name of this site.", {}, { timeout: 5000 }),
    ).toBeInTheDocument();
  });

  it("links to sign in", () => {
    render(<SignUpForm action={fakeAction()} />);
    expect(screen.getByRole("link", { name: "Sign in" })).toHaveAttribute("href", "/sign-in");
  });
});
