import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { VerifyEmailForm } from "@/app/(auth)/verify-email/verify-email-form";
import type { ActionState } from "@/lib/validation/action-state";
import { deferred, fakeAction, sentFields } from "./helpers";

const EMAIL = "alice@example.com";

function renderForm(overrides: Partial<Parameters<typeof VerifyEmailForm>[0]> = {}) {
  const action = fakeAction();
  const resendAction = fakeAction({ status: "success", retryAfter: 60 });
  render(<VerifyEmailForm action={action} resendAction={resendAction} email={EMAIL} {...overrides} />);
  return { action, resendAction };
}

const codeInput = () => screen.getByLabelText("6-digit code");

describe("VerifyEmailForm", () => {
  it("is a one-time-code field for digits", () => {
    renderForm();
    expect(codeInput()).toHaveAttribute("autocomplete", "one-time-code");
    expect(codeInput()).toHaveAttribute("inputmode", "numeric");
    expect(codeInput()).toHaveAttribute("maxlength", "6");
  });

  it("refuses an incomplete code on the client and does not call the action", async () => {
    const user = userEvent.setup();
    const { action } = renderForm();

    await user.type(codeInput(), "123");
    await user.click(screen.getByRole("button", { name: "Verify email" }));

    expect(await screen.findByText("Enter the 6-digit code from the email")).toBeInTheDocument();
    expect(codeInput()).toHaveAttribute("aria-invalid", "true");
    expect(codeInput()).toHaveFocus();
    expect(action).not.toHaveBeenCalled();
  });

  it("ignores letters typed into the code", async () => {
    const user = userEvent.setup();
    renderForm();
    await user.type(codeInput(), "12ab");
    expect(codeInput()).toHaveValue("12");
  });

  it("accepts a pasted code (spaces and dashes removed) and submits it with the email", async () => {
    const user = userEvent.setup();
    const { action } = renderForm();

    await user.click(codeInput());
    await user.paste("123 456");

    expect(codeInput()).toHaveValue("123456");
    // Six digits complete the code: it is sent without pressing the button.
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ email: EMAIL, code: "123456" });
  });

  it("sends a pasted code only once, even if the button is pressed as well", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    renderForm({ action });

    await user.click(codeInput());
    await user.paste("654-321");
    await user.click(screen.getByRole("button", { name: /Verify email|Checking code/ }));

    // Auto-submit already sent it; pressing the button while pending does not send it twice.
    await waitFor(() => expect(action).toHaveBeenCalledTimes(1));
    expect(sentFields(action)).toEqual({ email: EMAIL, code: "654321" });
    pending.resolve({ status: "idle" });
    await screen.findByRole("button", { name: "Verify email" });
  });

  it("disables and relabels the button while checking", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const action = fakeAction(() => pending.promise);
    renderForm({ action });

    await user.type(codeInput(), "123456");

    const busy = await screen.findByRole("button", { name: /Checking code/ });
    expect(busy).toBeDisabled();
    expect(busy).toHaveAttribute("aria-busy", "true");
    pending.resolve({ status: "error", message: "Something went wrong." });
    expect(await screen.findByRole("button", { name: "Verify email" })).toBeEnabled();
  });

  it("shows a refused code's error, empties the field and focuses it", async () => {
    const user = userEvent.setup();
    const action = fakeAction({
      status: "error",
      message: "That code did not work.",
      fieldErrors: { code: ["This code is wrong or has expired"] },
    });
    renderForm({ action });

    await user.click(codeInput());
    await user.paste("111111");

    expect(await screen.findByRole("alert")).toHaveTextContent("That code did not work.");
    await waitFor(() => expect(codeInput()).toHaveAccessibleDescription(/This code is wrong or has expired/));
    expect(codeInput()).toHaveValue("");
    expect(codeInput()).toHaveFocus();
  });

  it("after a refused code takes the next one typed key by key, and sends it", async () => {
    const user = userEvent.setup();
    const action = fakeAction();
    action.mockResolvedValueOnce({
      status: "error",
      message: "That code is not valid. Check the latest email or ask for a new code.",
    });
    renderForm({ action });

    await user.type(codeInput(), "111111");
    expect(await screen.findByRole("alert")).toHaveTextContent("That code is not valid");
    await waitFor(() => expect(codeInput()).toHaveValue(""));

    // Each digit must stay: the refused answer is applied once, not again on every keystroke.
    await user.type(codeInput(), "12345");
    expect(codeInput()).toHaveValue("12345");
    await user.type(codeInput(), "6");
    await waitFor(() => expect(action).toHaveBeenCalledTimes(2));
    expect(sentFields(action, 1)).toEqual({ email: EMAIL, code: "123456" });
  });

  it("asks for the email when the page did not have one", async () => {
    const user = userEvent.setup();
    const { action } = renderForm({ email: undefined });

    await user.type(screen.getByLabelText("Email address"), "nope");
    await user.type(codeInput(), "12345");
    await user.click(screen.getByRole("button", { name: "Verify email" }));

    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(action).not.toHaveBeenCalled();
  });

  it("resends a code for the email and shows a countdown until another is allowed", async () => {
    jest.useFakeTimers();
    try {
      const user = userEvent.setup({ advanceTimers: jest.advanceTimersByTime });
      const resendAction = fakeAction({ status: "success", message: "We sent a new code.", retryAfter: 42 });
      renderForm({ resendAction });

      await user.click(screen.getByRole("button", { name: "Send a new code" }));

      await waitFor(() => expect(resendAction).toHaveBeenCalledTimes(1));
      expect(sentFields(resendAction)).toEqual({ email: EMAIL });
      const button = await screen.findByRole("button", { name: "Send again in 42 s" });
      expect(button).toBeDisabled();
      expect(screen.getByRole("status")).toHaveTextContent("We sent a new code.");

      await act(async () => {
        jest.advanceTimersByTime(2_000);
      });
      expect(screen.getByRole("button", { name: "Send again in 40 s" })).toBeDisabled();

      await act(async () => {
        jest.advanceTimersByTime(40_000);
      });
      expect(screen.getByRole("button", { name: "Send a new code" })).toBeEnabled();
    } finally {
      jest.useRealTimers();
    }
  });

  it("shows a countdown when the resend is refused with retryAfter", async () => {
    const user = userEvent.setup();
    const resendAction = fakeAction({ status: "error", message: "Please wait before asking again.", retryAfter: 30 });
    renderForm({ resendAction });

    await user.click(screen.getByRole("button", { name: "Send a new code" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("Please wait before asking again.");
    expect(screen.getByRole("button", { name: /Send again in (30|29) s/ })).toBeDisabled();
  });

  it("labels the resend button while it is sending", async () => {
    const user = userEvent.setup();
    const pending = deferred<ActionState>();
    const resendAction = fakeAction(() => pending.promise);
    renderForm({ resendAction });

    await user.click(screen.getByRole("button", { name: "Send a new code" }));

    expect(await screen.findByRole("button", { name: /Sending/ })).toBeDisabled();
    pending.resolve({ status: "success" });
    expect(await screen.findByRole("button", { name: "Send a new code" })).toBeEnabled();
  });

  it("does not resend to an invalid typed email", async () => {
    const user = userEvent.setup();
    const { resendAction } = renderForm({ email: undefined });

    await user.type(screen.getByLabelText("Email address"), "not-an-email");
    await user.click(screen.getByRole("button", { name: "Send a new code" }));

    expect(await screen.findByText("Enter a valid email address, like name@example.com")).toBeInTheDocument();
    expect(screen.getByLabelText("Email address")).toHaveFocus();
    expect(resendAction).not.toHaveBeenCalled();
  });
});
