import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { extractCode, extractLink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import { mailMark, newPerson, type Person } from "./helpers/flows";
import { startApp, type AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

/**
 * Every form without JavaScript (issue 15): server actions promise progressive
 * enhancement, so each form posts as plain HTML and the page that comes back
 * carries the answer, the field errors beside their fields and the values typed
 * (never a password). Each context here runs no script at all.
 */

const NEW_PASSWORD = "copper meadow quilt 7 lighthouse";

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack());
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

/** A page in a fresh context where no script runs. */
async function noJsPage(): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: false });
  contexts.push(context);
  return context.newPage();
}

/** Press a submit button and wait for the document the browser loads in answer (after any redirect). */
async function submit(button: Locator): Promise<void> {
  const loaded = button.page().waitForEvent("load");
  await button.click();
  await loaded;
}

const pathOf = (page: Page) => new URL(page.url()).pathname;

/** The page's main heading, as a person reads it first. */
const h1 = (page: Page) => page.locator("main h1").first().innerText();

/** What a field's error list says (the element its aria-describedby points to). */
const errorsOf = (page: Page, id: string) => page.locator(`#${id}-error`).innerText();

/** Sign up and confirm with the mailed code, all without script; ends on the dashboard. */
async function createAccountNoJs(page: Page, person: Person, base = app.url): Promise<void> {
  const mark = mailMark(sink);
  await page.goto(`${base}/sign-up`);
  await page.getByLabel("Email address").fill(person.email);
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await submit(page.getByRole("button", { name: "Create account" }));
  expect(pathOf(page)).toBe("/verify-email");
  const code = extractCode(await mark.next(person.email, /code/i));
  await page.getByLabel("6-digit code").fill(code);
  await submit(page.getByRole("button", { name: "Verify email" }));
  expect(pathOf(page)).toBe("/dashboard");
}

async function signInNoJs(page: Page, person: Pick<Person, "email" | "password">): Promise<void> {
  await page.goto(`${app.url}/sign-in`);
  await page.getByLabel("Email address").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await submit(page.getByRole("button", { name: "Sign in", exact: true }));
  expect(pathOf(page)).toBe("/dashboard");
}

describe("every form works without JavaScript", () => {
  it("sign-up: highlights each field's error (keeping what was typed, never the password), then creates the account", async () => {
    const page = await noJsPage();
    const person = newPerson("nojs-signup");
    await page.goto(`${app.url}/sign-up`);
    await page.getByLabel("Email address").fill("not-an-address");
    await page.getByLabel("Name").fill("Nadia");
    await page.getByLabel("Password", { exact: true }).fill("short");
    await submit(page.getByRole("button", { name: "Create account" }));

    expect(pathOf(page)).toBe("/sign-up");
    await page.getByRole("alert").filter({ hasText: "Please fix the highlighted fields." }).waitFor();
    // The fields the alert speaks of are highlighted, each with its own message.
    expect(await page.getByLabel("Email address").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "sign-up-email")).toMatch(/valid email address/i);
    expect(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "sign-up-password")).toMatch(/at least \d+ characters/i);
    expect(await page.getByLabel("Name").getAttribute("aria-invalid")).toBeNull();
    // What was typed is still there, except the password.
    expect(await page.getByLabel("Email address").inputValue()).toBe("not-an-address");
    expect(await page.getByLabel("Name").inputValue()).toBe("Nadia");
    expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");

    const mark = mailMark(sink);
    await page.getByLabel("Email address").fill(person.email);
    await page.getByLabel("Name").fill(person.name);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await submit(page.getByRole("button", { name: "Create account" }));
    expect(pathOf(page)).toBe("/verify-email");
    expect(new URL(page.url()).searchParams.get("email")).toBe(person.email);
    await mark.next(person.email, /code/i);
  });

  it("verify-email: the page's hidden address is posted, a wrong code is refused, the mailed code signs in", async () => {
    const page = await noJsPage();
    const person = newPerson("nojs-verify");
    const mark = mailMark(sink);
    await page.goto(`${app.url}/sign-up`);
    await page.getByLabel("Email address").fill(person.email);
    await page.getByLabel("Name").fill(person.name);
    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await submit(page.getByRole("button", { name: "Create account" }));
    const code = extractCode(await mark.next(person.email, /code/i));

    // The server fills the hidden field from ?email=: script used to do that, so it was posted empty.
    expect(await page.locator('form input[type=hidden][name="email"]').first().inputValue()).toBe(person.email);

    const wrong = code === "000000" ? "111111" : "000000";
    await page.getByLabel("6-digit code").fill(wrong);
    await submit(page.getByRole("button", { name: "Verify email" }));
    expect(pathOf(page)).toBe("/verify-email");
    await page.getByRole("alert").filter({ hasText: "That code is not valid" }).waitFor();
    expect(await page.getByLabel("6-digit code").inputValue()).toBe("");

    await page.getByLabel("6-digit code").fill(code);
    await submit(page.getByRole("button", { name: "Verify email" }));
    expect(pathOf(page)).toBe("/dashboard");
    expect(await h1(page)).toBe(`Hello, ${person.name}`);
  });

  it("sign-in: a malformed address and a wrong password are answered on the page, the right password signs in", async () => {
    const person = newPerson("nojs-signin");
    await createAccountNoJs(await noJsPage(), person);

    const page = await noJsPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByLabel("Email address").fill("nobody-at-all");
    await page.getByLabel("Password", { exact: true }).fill("whatever it is");
    await submit(page.getByRole("button", { name: "Sign in", exact: true }));
    expect(pathOf(page)).toBe("/sign-in");
    expect(await page.getByLabel("Email address").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "sign-in-email")).toMatch(/valid email address/i);
    expect(await page.getByLabel("Email address").inputValue()).toBe("nobody-at-all");

    await page.getByLabel("Email address").fill(person.email);
    await page.getByLabel("Password", { exact: true }).fill("not the password at all");
    await submit(page.getByRole("button", { name: "Sign in", exact: true }));
    await page.getByRole("alert").filter({ hasText: "That email and password combination didn't work." }).waitFor();
    expect(await page.getByLabel("Email address").inputValue()).toBe(person.email);
    expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");

    await page.getByLabel("Password", { exact: true }).fill(person.password);
    await submit(page.getByRole("button", { name: "Sign in", exact: true }));
    expect(pathOf(page)).toBe("/dashboard");
  });

  it("the dashboard and every account page render their content, not a loading placeholder", async () => {
    const page = await noJsPage();
    const person = newPerson("nojs-pages");
    await createAccountNoJs(page, person);
    const expected: Record<string, string> = {
      "/dashboard": `Hello, ${person.name}`,
      "/account/profile": "Profile",
      "/account/sessions": "Sessions",
      "/account/activity": "Activity",
    };
    for (const [path, heading] of Object.entries(expected)) {
      await page.goto(`${app.url}${path}`);
      const seen = { path, heading: await h1(page), loading: await page.getByText("Loading…").count() };
      expect(seen).toEqual({ path, heading, loading: 0 });
    }
  });

  it("forgot-password and reset-password: the mailed link's form sets the new password (its own page's Origin passes the CSRF check)", async () => {
    const person = newPerson("nojs-reset");
    await createAccountNoJs(await noJsPage(), person);

    const page = await noJsPage();
    await page.goto(`${app.url}/forgot-password`);
    await page.getByLabel("Email address").fill("nope");
    await submit(page.getByRole("button", { name: "Send reset link" }));
    expect(await page.getByLabel("Email address").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "forgot-email")).toMatch(/valid email address/i);

    const mark = mailMark(sink);
    await page.getByLabel("Email address").fill(person.email);
    await submit(page.getByRole("button", { name: "Send reset link" }));
    await page.getByRole("status").filter({ hasText: "If an account exists for that address, a link is on its way." }).waitFor();
    const link = extractLink(await mark.next(person.email, /reset your/i), "/reset-password");

    const opened = await page.goto(link);
    expect(opened?.headers()["referrer-policy"]).toBe("same-origin");
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    // A weak password: refused beside the field, the link still works, the token is still in the form.
    await page.getByLabel("New password").fill("short");
    await submit(page.getByRole("button", { name: "Set new password" }));
    expect(pathOf(page)).toBe("/reset-password");
    expect(await page.getByLabel("New password").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "reset-password")).toMatch(/at least \d+ characters/i);

    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await submit(page.getByRole("button", { name: "Set new password" }));
    // A page, not a 403 JSON refusal: the sign-in page says the password was changed.
    expect(pathOf(page)).toBe("/sign-in");
    await page.getByRole("status").filter({ hasText: /password was changed/i }).waitFor();
    await signInNoJs(page, { email: person.email, password: NEW_PASSWORD });
  });

  it("profile: name, password and email change, each with its errors, then done", async () => {
    const page = await noJsPage();
    const person = newPerson("nojs-profile");
    await createAccountNoJs(page, person);
    await page.goto(`${app.url}/account/profile`);

    // Name: the current one is in the field, an empty one is refused beside it, a new one is saved.
    const name = page.getByLabel("Name", { exact: true });
    expect(await name.inputValue()).toBe(person.name);
    await name.fill("");
    await submit(page.getByRole("button", { name: "Save name" }));
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "profile-name")).not.toBe("");
    await page.getByLabel("Name", { exact: true }).fill("Renamed Person");
    await submit(page.getByRole("button", { name: "Save name" }));
    await page.getByRole("status").filter({ hasText: "Your name was saved." }).waitFor();
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("Renamed Person");

    // Password: a wrong current one is refused; then the change goes through.
    await page.locator("#profile-current-password").fill("not my password at all");
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await submit(page.getByRole("button", { name: "Change password" }));
    await page.getByRole("alert").filter({ hasText: "Your current password is not correct." }).waitFor();
    expect(await page.locator("#profile-current-password").inputValue()).toBe("");
    expect(await page.getByLabel("New password").inputValue()).toBe("");
    await page.locator("#profile-current-password").fill(person.password);
    await page.getByLabel("New password").fill("short");
    await submit(page.getByRole("button", { name: "Change password" }));
    expect(await page.getByLabel("New password").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "profile-new-password")).toMatch(/at least \d+ characters/i);
    await page.locator("#profile-current-password").fill(person.password);
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await submit(page.getByRole("button", { name: "Change password" }));
    await page.getByRole("status").filter({ hasText: "Your password was changed." }).waitFor();

    // Email: a malformed address is refused beside its field (and kept), then a code confirms the new one.
    await page.getByLabel("New email address").fill("elsewhere");
    await page.locator("#profile-email-password").fill(NEW_PASSWORD);
    await submit(page.getByRole("button", { name: "Send confirmation code" }));
    expect(await page.getByLabel("New email address").getAttribute("aria-invalid")).toBe("true");
    expect(await errorsOf(page, "profile-new-email")).toMatch(/valid email address/i);
    expect(await page.getByLabel("New email address").inputValue()).toBe("elsewhere");
    const newEmail = `moved-${person.email}`;
    const mark = mailMark(sink);
    await page.getByLabel("New email address").fill(newEmail);
    await page.locator("#profile-email-password").fill(NEW_PASSWORD);
    await submit(page.getByRole("button", { name: "Send confirmation code" }));
    const code = extractCode(await mark.next(newEmail, /code/i));
    const codeField = page.getByLabel(`Code sent to ${newEmail}`);
    await codeField.fill(code === "000000" ? "111111" : "000000");
    await submit(page.getByRole("button", { name: "Confirm new address" }));
    await page.getByRole("alert").filter({ hasText: "That code is not valid" }).waitFor();
    await page.getByLabel(`Code sent to ${newEmail}`).fill(code);
    await submit(page.getByRole("button", { name: "Confirm new address" }));
    expect(new URL(page.url()).searchParams.get("updated")).toBe("email");
    await page.getByRole("status").filter({ hasText: "Your email address was changed." }).waitFor();
    await signInNoJs(await noJsPage(), { email: newEmail, password: NEW_PASSWORD });
  });

  it("sessions and sign-out: end another session, end all others, sign out, sign out everywhere", async () => {
    const person = newPerson("nojs-sessions");
    const page = await noJsPage();
    await createAccountNoJs(page, person);
    const phone = await noJsPage();
    await signInNoJs(phone, person);

    const sessions = page.getByRole("list", { name: "Active sessions" }).getByRole("listitem");
    await page.goto(`${app.url}/account/sessions`);
    expect(await sessions.count()).toBe(2);
    await submit(page.getByRole("list", { name: "Active sessions" }).getByRole("button", { name: /^Sign out / }));
    expect(pathOf(page)).toBe("/account/sessions");
    expect(await sessions.count()).toBe(1);
    await phone.goto(`${app.url}/dashboard`);
    expect(pathOf(phone)).toBe("/sign-in");

    const tablet = await noJsPage();
    await signInNoJs(tablet, person);
    await page.goto(`${app.url}/account/sessions`);
    expect(await sessions.count()).toBe(2);
    await submit(page.getByRole("button", { name: "Sign out all other sessions" }));
    expect(await sessions.count()).toBe(1);
    await tablet.goto(`${app.url}/dashboard`);
    expect(pathOf(tablet)).toBe("/sign-in");

    // Sign out (this device), from the account menu.
    await submit(page.getByRole("complementary").getByRole("button", { name: "Sign out", exact: true }));
    expect(pathOf(page)).toBe("/sign-in");
    await page.getByRole("status").filter({ hasText: "You have signed out." }).waitFor();
    await page.goto(`${app.url}/dashboard`);
    expect(pathOf(page)).toBe("/sign-in");

    // Sign out everywhere: both devices are out.
    const laptop = await noJsPage();
    await signInNoJs(laptop, person);
    const desktop = await noJsPage();
    await signInNoJs(desktop, person);
    await submit(laptop.getByRole("complementary").getByRole("button", { name: "Sign out everywhere" }));
    expect(pathOf(laptop)).toBe("/sign-in");
    await desktop.goto(`${app.url}/account/profile`);
    expect(pathOf(desktop)).toBe("/sign-in");
  });

  it("an expired access token: the refresh page's Continue button signs back in and lands on the page asked for", async () => {
    // Its own server, where access tokens live 2 s: the middleware sends the browser to the refresh page.
    const shortLived = await startApp({ SMTP_URL: sink.url, ACCESS_TOKEN_TTL_SECONDS: "2", JWT_CLOCK_LEEWAY_SECONDS: "0" });
    try {
      const page = await noJsPage();
      const person = newPerson("nojs-refresh");
      await createAccountNoJs(page, person, shortLived.url);
      await page.waitForTimeout(3_500);
      await page.goto(`${shortLived.url}/account/profile`);
      expect(pathOf(page)).toBe("/api/auth/refresh");
      await submit(page.getByRole("button", { name: "Continue" }));
      expect(pathOf(page)).toBe("/account/profile");
      expect(await h1(page)).toBe("Profile");
    } finally {
      await shortLived.stop();
    }
  });

  it("a form posted from another site is refused with a readable 403 page, not raw JSON", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    contexts.push(context);
    // A page on another origin (served by the test, no network) with a form aimed at the app.
    await context.route("http://evil.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<form method="post" action="${app.url}/sign-in"><input name="email" value="victim@shop.test"><button>Go</button></form>`,
      }),
    );
    const page = await context.newPage();
    await page.goto("http://evil.test/form");
    const answered = page.waitForResponse((r) => r.request().method() === "POST");
    await submit(page.getByRole("button", { name: "Go" }));
    const res = await answered;
    expect(res.status()).toBe(403);
    expect(res.headers()["content-type"]).toMatch(/^text\/html/);
    expect(await page.locator("h1").innerText()).toBe("Request refused");
    expect(await page.locator("body").innerText()).toContain("This request did not come from this site.");
  });
});
