import { render as renderPlain, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { AppRouterContext, type AppRouterInstance } from "next/dist/shared/lib/app-router-context.shared-runtime";
import { SignInForm } from "@/app/(auth)/sign-in/sign-in-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

// The form navigates with the app router after a sign-in; this stands in for it.
const router = {
  back: jest.fn(),
  forward: jest.fn(),
  refresh: jest.fn(),
  push: jest.fn<void, [string]>(),
  replace: jest.fn(),
  prefetch: jest.fn(),
  bfcacheId: "test",
} satisfies AppRouterInstance;
beforeEach(() => router.push.mockClear());

function render(ui: React.ReactElement) {
  return renderPlain(<AppRouterContext.Provider value={router}>{ui}</AppRouterContext.Provider>);
}

async function signIn(user: ReturnType<typeof userEvent.setup>, email: string, password: string) {
  if (email) await user.type(screen.getByLabelText("Email address"), email);
  if (password) await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignInForm", () => {
  it("shows client-side errors for empty fields and does not call the action", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignInForm action={action} />);

    await signIn(user, "", "");

    expect(await screen.findByText("Enter your email address")).toBeInTheDocument();
    expect(screen.getByText("Enter your password")).toBeInTheDocument();
    expect(screen.getByLabelText("Email address")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password");
    expect(screen.getByLabelText("Email address")).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("rejects a malformed email before any request", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignInForm action={action} />);

    await signIn(user, "alice@", "whatever password");

    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("sends email, password and the untouched next parameter", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignInForm action={action} next="/account/sessions?tab=all" />);

    await signIn(user, "alice@example.com", "correct horse battery staple");

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({
      email: "alice@example.com",
      password: "correct horse battery staple",
      next: "/account/sessions?tab=all",
    });
  });

  it("omits next when the page had none", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    render(<SignInForm action={action} />);

    await signIn(user, "alice@example.com", "correct horse battery staple");

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).not.toHaveProperty("next");
  });

  it("shows the generic server answer as an alert, keeps the email, empties and focuses the password", async () => {
    const user = userEvent.setup();
    const action = fakeAction({
      status: "error",
      message: "Incorrect email or password.",
      values: { email: "alice@example.com" },
    });
    render(<SignInForm action={action} />);

    await signIn(user, "alice@example.com", "wrong password");

    expect(await screen.findByRole("alert")).toHaveTextContent("Incorrect email or password.");
    const password = screen.getByLabelText("Password");
    await waitFor(() => expect(password).toHaveValue(""));
    expect(password).toHaveFocus();
    expect(screen.getByLabelText("Email address")).toHaveValue("alice@example.com");
  });

  it("puts server field errors next to their field", async () => {
    const user = userEvent.setup();
    const action = fakeAction({
      status: "error",
      fieldErrors: { email: ["An email address has at most 254 characters"] },
    });
    render(<SignInForm action={action} />);

    await signIn(user, "alice@example.com", "some password");

    const email = screen.getByLabelText("Email address");
    await waitFor(() => expect(email).toHaveAccessibleDescription("An email address has at most 254 characters"));
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveFocus();
  });

  it("disables and relabels the button while signing in", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    render(<SignInForm action={action} />);

    await signIn(user, "alice@example.com", "correct horse battery staple");

    const busy = await screen.findByRole("button", { name: /Signing in/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    pending.resolve({ status: "error", message: "Too many attempts. Try again in a minute.", retryAfter: 60 });
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeEnabled();
    expect(screen.getByRole("alert")).toHaveTextContent("Too many attempts");
  });

  it("goes where the server says after signing in, and stays busy while it navigates", async () => {
    const user = userEvent.setup();
    render(<SignInForm action={fakeAction({ status: "success", redirectTo: "/account/sessions?tab=all" })} />);

    await signIn(user, "alice@example.com", "correct horse battery staple");

    await waitFor(() => expect(router.push).toHaveBeenCalledWith("/account/sessions?tab=all"));
    expect(router.push).toHaveBeenCalledTimes(1);
    expect(screen.getByRole("button", { name: /Signing in/ })).toBeDisabled();
  });

  it.each(["//evil.example/x", "https://evil.example/", "javascript:alert(1)"])("never navigates off-site (%p)", async (target) => {
    const user = userEvent.setup();
    const action = fakeAction({ status: "success", redirectTo: target });
    render(<SignInForm action={action} />);

    await signIn(user, "alice@example.com", "correct horse battery staple");

    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(await screen.findByRole("button", { name: "Sign in" })).toBeEnabled();
    expect(router.push).not.toHaveBeenCalled();
  });

  it.each([
    ["expired", "Your session ended, please sign in again."],
    ["signed-out", "You have signed out. See you soon!"],
  ])("explains ?reason=%s", (reason, text) => {
    render(<SignInForm action={fakeAction()} reason={reason} />);
    expect(screen.getByRole("status")).toHaveTextContent(text);
  });

  it.each(["constructor", "<b>hacked</b>", ""])("ignores an unknown reason (%p)", (reason) => {
    render(<SignInForm action={fakeAction()} reason={reason} />);
    expect(screen.queryByRole("status")).not.toBeInTheDocument();
    expect(screen.queryByText(/hacked/)).not.toBeInTheDocument();
  });

  it("links to password reset and sign-up", () => {
    render(<SignInForm action={fakeAction()} />);
    expect(screen.getByRole("link", { name: "Forgot your password?" })).toHaveAttribute("href", "/forgot-password");
    expect(screen.getByRole("link", { name: "Create an account" })).toHaveAttribute("href", "/sign-up");
  });

  it("uses the autocomplete tokens password managers expect", () => {
    render(<SignInForm action={fakeAction()} />);
    expect(screen.getByLabelText("Email address")).toHaveAttribute("autocomplete", "email");
    expect(screen.getByLabelText("Password")).toHaveAttribute("autocomplete", "current-password");
  });
});
