import type { Browser, Page } from "playwright-core";
import { extractCode, extractLink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import {
  accessTo,
  createAccount,
  expectSignInRefused,
  mailMark,
  newPerson,
  signedInContext,
  signIn,
  statusWith,
  submitSignIn,
  waitForValue,
  type Person,
} from "./helpers/flows";
import type { AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

const NEW_PASSWORD = "copper meadow quilt 7 lighthouse";

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack());
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

/** A new account, signed in in its own context (the "older session"). */
async function accountWithSession(tag: string): Promise<{ person: Person; page: Page; close: () => Promise<void> }> {
  const person = newPerson(tag);
  const context = await browser.newContext();
  const page = await context.newPage();
  await createAccount(page, app, sink, person);
  return { person, page, close: () => context.close() };
}

/** The profile page's form that holds the button named `button`. */
function formWith(page: Page, button: string) {
  return page.locator("form").filter({ has: page.getByRole("button", { name: button, exact: true }) });
}

/** GET /api/me from inside the page, with the browser's own cookies: the status code. */
async function apiMeStatus(page: Page): Promise<number> {
  return page.evaluate(async () => (await fetch("/api/me", { cache: "no-store" })).status);
}

describe("password recovery and profile in a real browser", () => {
  it("resets a forgotten password from the mailed link and signs out the older session", async () => {
    const { person, page: oldPage, close } = await accountWithSession("forgot");

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL((url) => url.pathname === "/forgot-password");
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();

    const mark = mailMark(sink);
    await page.getByLabel("Email address").fill(person.email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await statusWith(page, "If an account exists for that address, a link is on its way.").waitFor();

    const link = extractLink(await mark.next(person.email, /reset your/i), "/reset-password");
    expect(new URL(link).origin).toBe(app.url);
    await page.goto(link);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await page.getByLabel("New password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Set new password" }).click();
    // No silent sign-in: the sign-in page says the new password is set.
    await page.waitForURL((url) => url.pathname === "/sign-in");
    await statusWith(page, /password was changed/i).waitFor();
    await mark.next(person.email, /password was reset/i);

    // The link worked once: opening it again shows the dead-link page.
    const again = await context.newPage();
    await again.goto(link);
    await again.getByRole("heading", { name: /no longer valid/i }).waitFor();
    await again.close();

    // The older browser is out on its next navigation.
    expect(await accessTo(oldPage, app, "/dashboard")).toBe("signed-out");

    // The old password no longer works; the new one does.
    await submitSignIn(page, person.email, person.password);
    await expectSignInRefused(page, "That email and password combination didn't work. Forgot your password? Resetting it also ends a sign-in pause.");
    await submitSignIn(page, person.email, NEW_PASSWORD);
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await context.close();
    await close();
  });

  it("changes the display name", async () => {
    const { page, close } = await accountWithSession("rename");
    await page.goto(`${app.url}/account/profile`);
    await page.getByRole("heading", { name: "Profile", level: 1 }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Grace Hopper");
    await page.getByRole("button", { name: "Save name" }).click();
    await statusWith(page, "Your name was saved.").waitFor();

    await page.goto(`${app.url}/dashboard`);
    await page.getByRole("heading", { name: "Hello, Grace Hopper" }).waitFor();
    await close();
  });

  it("changes the password: other sessions end, this one stays, the new password works", async () => {
    const { person, page, close } = await accountWithSession("change");
    const other = await signedInContext(() => browser.newContext(), app, person);

    const mark = mailMark(sink);
    await page.goto(`${app.url}/account/profile`);
    const form = formWith(page, "Change password");
    await form.getByLabel("Current password").fill(person.password);
    await form.getByLabel("New password").fill(NEW_PASSWORD);
    await form.getByRole("button", { name: "Change password" }).click();
    await statusWith(page, "Your password was changed. 1 other session was signed out.").waitFor();
    // Neither password stays on screen.
    await waitForValue(form.getByLabel("Current password"), "");
    await waitForValue(form.getByLabel("New password"), "");
    await mark.next(person.email, /password was changed/i);

    expect(await accessTo(page, app, "/dashboard")).toBe("signed-in");
    expect(await accessTo(other.page, app, "/dashboard")).toBe("signed-out");

    const fresh = await browser.newContext();
    const freshPage = await fresh.newPage();
    await signIn(freshPage, app, { email: person.email, password: NEW_PASSWORD });
    await fresh.close();
    await other.context.close();
    await close();
  });

  it("changes the email address only once the code sent to the new address is entered", async () => {
    const { person, page, close } = await accountWithSession("move");
    const newEmail = `moved-${Date.now().toString(36)}@shop.test`;

    const mark = mailMark(sink);
    await page.goto(`${app.url}/account/profile`);
    const form = formWith(page, "Send confirmation code");
    await form.getByLabel("New email address").fill(newEmail);
    await form.getByLabel("Current password").fill(person.password);
    await form.getByRole("button", { name: "Send confirmation code" }).click();
    await statusWith(page, `We sent a 6-digit code to ${newEmail}`).waitFor();

    const code = extractCode(await mark.next(newEmail, /email change code/i));
    // Nothing changed yet, and the old address received no code.
    expect(mark.since(person.email).filter((m) => /\d{6}/.test(m.subject ?? ""))).toHaveLength(0);
    await page.getByText(person.email, { exact: true }).first().waitFor();

    await page.getByLabel(`Code sent to ${newEmail}`).fill(code);
    await page.waitForURL((url) => url.pathname === "/account/profile" && url.searchParams.get("updated") === "email");
    await statusWith(page, "Your email address was changed.").waitFor();
    await page.getByRole("main").getByText(newEmail, { exact: true }).first().waitFor();
    // The old address is told.
    await mark.next(person.email, /email address was changed/i);

    // The new address signs in; the old one no longer does.
    const fresh = await browser.newContext();
    const freshPage = await fresh.newPage();
    await freshPage.goto(`${app.url}/sign-in`);
    await submitSignIn(freshPage, person.email, person.password);
    await expectSignInRefused(freshPage, "That email and password combination didn't work. Forgot your password? Resetting it also ends a sign-in pause.");
    await submitSignIn(freshPage, newEmail, person.password);
    await freshPage.waitForURL((url) => url.pathname === "/dashboard");
    await fresh.close();
    await close();
  });

  it("signs out another session from the sessions page: that browser loses access on its next request", async () => {
    const { person, page, close } = await accountWithSession("revoke");
    // Another device, told apart by its user agent.
    const other = await signedInContext(
      () =>
        browser.newContext({
          userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0",
        }),
      app,
      person,
    );
    expect(await apiMeStatus(other.page)).toBe(200);

    await page.goto(`${app.url}/account/sessions`);
    const list = page.getByRole("list", { name: "Active sessions" });
    await list.getByText("This device").waitFor();
    expect(await list.getByRole("listitem").count()).toBe(2);
    const revoke = list.getByRole("button", { name: /^Sign out .*Firefox/ });
    await revoke.click();
    await revoke.waitFor({ state: "detached" });
    expect(await list.getByRole("listitem").count()).toBe(1);

    // Its access token is still unexpired: the session row decides, at once.
    expect(await apiMeStatus(other.page)).toBe(401);
    expect(await accessTo(other.page, app, "/account/profile")).toBe("signed-out");
    // This device is untouched.
    expect(await accessTo(page, app, "/account/sessions")).toBe("signed-in");
    await other.context.close();
    await close();
  });
});
