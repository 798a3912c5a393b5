import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import ErrorPage from "@/app/error";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FieldError } from "@/components/ui/field-error";
import { OtpInput } from "@/components/ui/otp-input";
import { PasswordInput } from "@/components/ui/password-input";
import { ThemeToggle } from "@/components/ui/theme-toggle";
import { THEME_STORAGE_KEY, themeScript } from "@/components/ui/theme-script";
import "./helpers";

describe("PasswordInput", () => {
  it("shows and hides the password with a pressed-state toggle", async () => {
    const user = userEvent.setup();
    render(
      <>
        <label htmlFor="pw">Password</label>
        <PasswordInput id="pw" autoComplete="new-password" />
      </>,
    );
    const input = screen.getByLabelText("Password");
    const toggle = screen.getByRole("button", { name: "Show password" });
    await user.type(input, "secret words here");

    expect(input).toHaveAttribute("type", "password");
    expect(toggle).toHaveAttribute("aria-pressed", "false");

    await user.click(toggle);
    expect(input).toHaveAttribute("type", "text");
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    expect(input).toHaveValue("secret words here");

    await user.click(toggle);
    expect(input).toHaveAttribute("type", "password");
    expect(toggle).toHaveAttribute("aria-pressed", "false");
  });

  it("passes the caller's autocomplete token through", () => {
    render(<PasswordInput id="pw" aria-label="Current password" autoComplete="current-password" />);
    expect(screen.getByLabelText("Current password")).toHaveAttribute("autocomplete", "current-password");
  });
});

describe("OtpInput", () => {
  function Harness({ onComplete }: { onComplete: (code: string) => void }) {
    const [value, setValue] = useState("");
    return (
      <>
        <label htmlFor="otp">Code</label>
        <OtpInput id="otp" name="code" value={value} onChange={setValue} onComplete={onComplete} />
      </>
    );
  }

  it("takes a whole pasted code at once and reports completion", async () => {
    const user = userEvent.setup();
    const onComplete = jest.fn();
    render(<Harness onComplete={onComplete} />);

    await user.click(screen.getByLabelText("Code"));
    await user.paste("Your code: 987-654");

    expect(screen.getByLabelText("Code")).toHaveValue("987654");
    expect(onComplete).toHaveBeenCalledWith("987654");
  });

  it("keeps at most six digits", async () => {
    const user = userEvent.setup();
    render(<Harness onComplete={jest.fn()} />);
    await user.click(screen.getByLabelText("Code"));
    await user.paste("12345678");
    expect(screen.getByLabelText("Code")).toHaveValue("123456");
  });
});

describe("Button", () => {
  it("is disabled, busy and relabelled while pending", () => {
    const { rerender } = render(<Button pendingLabel="Saving…">Save</Button>);
    expect(screen.getByRole("button", { name: "Save" })).toBeEnabled();

    rerender(
      <Button pending pendingLabel="Saving…">
        Save
      </Button>,
    );
    const button = screen.getByRole("button", { name: "Saving…" });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("aria-busy", "true");
  });

  it("never submits a form unless asked to", () => {
    render(<Button>Plain</Button>);
    expect(screen.getByRole("button", { name: "Plain" })).toHaveAttribute("type", "button");
  });
});

describe("Alert and FieldError", () => {
  it("uses role=alert for errors and role=status otherwise", () => {
    render(
      <>
        <Alert variant="error">Broken</Alert>
        <Alert variant="success">Done</Alert>
        <Alert variant="info">FYI</Alert>
      </>,
    );
    expect(screen.getByRole("alert")).toHaveTextContent("Broken");
    expect(screen.getAllByRole("status").map((el) => el.textContent)).toEqual(["Done", "FYI"]);
  });

  it("lists every message in a polite live region with the given id", () => {
    render(<FieldError id="x-error" messages={["First problem", "Second problem"]} />);
    const region = document.getElementById("x-error");
    expect(region).toHaveAttribute("aria-live", "polite");
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "•First problem",
      "•Second problem",
    ]);
  });
});

describe("ThemeToggle", () => {
  afterEach(() => {
    localStorage.clear();
    document.documentElement.classList.remove("dark");
  });

  it("cycles system → light → dark, stores the choice and applies it to <html>", async () => {
    const user = userEvent.setup();
    render(<ThemeToggle />);

    await user.click(screen.getByRole("button", { name: /Colour theme: System/ }));
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe("light");
    expect(document.documentElement).not.toHaveClass("dark");

    await user.click(screen.getByRole("button", { name: /Colour theme: Light/ }));
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");
    expect(document.documentElement).toHaveClass("dark");

    await user.click(screen.getByRole("button", { name: /Colour theme: Dark/ }));
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
    expect(screen.getByRole("button", { name: /Colour theme: System/ })).toBeInTheDocument();
  });

  it("has a pre-paint script that applies a stored dark choice", () => {
    localStorage.setItem(THEME_STORAGE_KEY, "dark");
    // The same string the layout inlines; run it as the browser would.
    new Function(themeScript)();
    expect(document.documentElement).toHaveClass("dark");
  });
});

describe("error page", () => {
  it("never shows the error's message and retries on request", async () => {
    const user = userEvent.setup();
    const retry = jest.fn();
    const spy = jest.spyOn(console, "error").mockImplementation(() => {});
    try {
      render(<ErrorPage error={Object.assign(new Error("password=hunter2 at db"), { digest: "abc123" })} retry={retry} />);

      expect(screen.getByRole("heading", { name: "Something went wrong" })).toBeInTheDocument();
      expect(screen.queryByText(/hunter2/)).not.toBeInTheDocument();
      expect(screen.getByText("abc123")).toBeInTheDocument();
      await user.click(screen.getByRole("button", { name: "Try again" }));
      expect(retry).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
