import type { Browser, BrowserContext } from "playwright-core";
import type { SmtpSink } from "../__tests__/helpers/smtp-sink";
import { createAccount, expectSignInRefused, newPerson, submitSignIn, type Person } from "./helpers/flows";
import type { AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

const GENERIC = "That email and password combination didn't work. Forgot your password? Resetting it also ends a sign-in pause.";

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack());
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

async function registered(tag: string): Promise<Person> {
  const person = newPerson(tag);
  const context = await browser.newContext();
  await createAccount(await context.newPage(), app, sink, person);
  await context.close();
  return person;
}

async function hasSessionCookies(context: BrowserContext): Promise<boolean> {
  return (await context.cookies()).some((c) => c.name.endsWith("gh_at") || c.name.endsWith("gh_rt"));
}

describe("sign-in in a real browser", () => {
  it("sends a visitor to sign in and then on to the page they asked for", async () => {
    const person = await registered("next");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/account/sessions`);
    await page.waitForURL((url) => url.pathname === "/sign-in" && url.searchParams.get("next") === "/account/sessions");

    await submitSignIn(page, person.email, person.password);
    await page.waitForURL((url) => url.pathname === "/account/sessions");
    await page.getByRole("heading", { name: "Sessions", level: 1 }).waitFor();
    await context.close();
  });

  it("says a wrong password didn't work, the same way as an unknown address, and keeps the email", async () => {
    const person = await registered("wrong");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/sign-in`);

    await submitSignIn(page, person.email, "not my password at all 42");
    await expectSignInRefused(page, GENERIC);
    const forWrongPassword = await page.locator("main").innerText();
    expect(page.url()).toMatch(/\/sign-in$/);
    // The address stays, the password is emptied and focused for the next try.
    expect(await page.getByLabel("Email address").inputValue()).toBe(person.email);
    expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");
    expect(await page.getByLabel("Password", { exact: true }).evaluate((el) => el === document.activeElement)).toBe(true);

    await submitSignIn(page, `nobody-${Date.now()}@shop.test`, "not my password at all 42");
    await expectSignInRefused(page, GENERIC);
    // Everything visible is the same: nothing tells a stranger which addresses have accounts.
    expect(await page.locator("main").innerText()).toBe(forWrongPassword);
    expect(await hasSessionCookies(context)).toBe(false);
    await context.close();
  });

  it("locks the account after 10 failures: the right password then gets the same generic answer", async () => {
    const person = await registered("locked");
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/sign-in`);

    for (let attempt = 1; attempt <= 10; attempt += 1) {
      await submitSignIn(page, person.email, `wrong guess number ${attempt} here`);
      await expectSignInRefused(page, GENERIC);
    }
    const afterTen = await page.locator("main").innerText();

    await submitSignIn(page, person.email, person.password);
    await expectSignInRefused(page, GENERIC);
    expect(await page.locator("main").innerText()).toBe(afterTen);
    expect(page.url()).toMatch(/\/sign-in$/);
    expect(await hasSessionCookies(context)).toBe(false);

    // And a guarded page still turns this browser away.
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/sign-in\?/);
    await context.close();
  });
});
