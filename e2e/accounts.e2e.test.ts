import type { Browser, Page } from "playwright-core";
import { extractCode, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import type { AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

const PASSWORD = "violet lantern orbit 9 harbor";

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack({ ACCESS_TOKEN_TTL_SECONDS: "2", JWT_CLOCK_LEEWAY_SECONDS: "0" }));
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

async function signUp(page: Page, email: string, name: string): Promise<void> {
  await page.goto(`${app.url}/sign-up`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: /create/i }).click();
  await page.waitForURL(/\/verify-email/);
}

async function codeFor(email: string): Promise<string> {
  const mail = await sink.waitForMail((m) => m.to !== undefined && JSON.stringify(m.to).includes(email) && /code/i.test(m.subject ?? ""));
  return extractCode(mail);
}

describe("accounts in a real browser", () => {
  it("signs up, confirms the code from the mail (after a wrong one) and lands on the dashboard", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const email = "ada@shop.test";
    await signUp(page, email, "Ada Lovelace");
    const code = await codeFor(email);
    const wrong = code === "000000" ? "111111" : "000000";

    const codeInput = page.getByLabel(/code/i).first();
    // Six digits submit the form on their own.
    await codeInput.fill(wrong);
    await page.getByRole("alert").filter({ hasText: /not valid/i }).waitFor();

    await codeInput.fill(code);
    await page.waitForURL(/\/dashboard/);
    await page.getByRole("heading", { name: /Ada/ }).waitFor();
    await context.close();
  });

  it("keeps a signed-in person signed in after the access token expires (silent refresh)", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/sign-in`);
    await page.getByLabel("Email").fill("ada@shop.test");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL(/\/dashboard/);
    const before = (await context.cookies()).find((c) => c.name.endsWith("gh_rt"))?.value;
    expect(before).toBeTruthy();

    await page.waitForTimeout(3_500); // the access token lives 2 s here, with no leeway
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/dashboard/);
    await page.getByRole("heading", { name: /Ada/ }).waitFor();
    const after = (await context.cookies()).find((c) => c.name.endsWith("gh_rt"))?.value;
    expect(after).toBeTruthy();
    expect(after).not.toBe(before); // rotated
    await context.close();
  });

  it("sends a visitor without a session to sign in and back to where they were going", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/sign-in\?next=%2Fdashboard/);
    await page.getByLabel("Email").fill("ada@shop.test");
    await page.getByLabel("Password", { exact: true }).fill("wrong password entirely 123");
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.getByRole("alert").filter({ hasText: /didn't work/i }).waitFor();
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.waitForURL(/\/dashboard/);

    await page.getByRole("button", { name: /^sign out$/i }).first().click();
    await page.waitForURL(/\/sign-in/);
    await page.goto(`${app.url}/dashboard`);
    await page.waitForURL(/\/sign-in/);
    await context.close();
  });
});
