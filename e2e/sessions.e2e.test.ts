import type { Browser, BrowserContext, Page } from "playwright-core";
import type { SmtpSink } from "../__tests__/helpers/smtp-sink";
import { accessTo, createAccount, newPerson, signedInContext } from "./helpers/flows";
import type { AppServer } from "./helpers/server";
import { startBrowserStack, stopBrowserStack } from "./helpers/stack";

// Access tokens live 2 s here, with no clock leeway, so every test crosses an expiry.
const ACCESS_TTL_MS = 2_000;

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;

beforeAll(async () => {
  ({ app, sink, browser } = await startBrowserStack({ ACCESS_TOKEN_TTL_SECONDS: "2", JWT_CLOCK_LEEWAY_SECONDS: "0" }));
}, 120_000);

afterAll(() => stopBrowserStack({ app, sink, browser }));

const refreshCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name.endsWith("gh_rt"))?.value;

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole("heading", { name, level: 1 }).waitFor();
}

describe("sessions in a real browser", () => {
  it("keeps two tabs signed in when both refresh at the same moment after the access token expired", async () => {
    const person = newPerson("tabs");
    const context = await browser.newContext();
    const first = await context.newPage();
    await createAccount(first, app, sink, person);
    const second = await context.newPage();
    await second.goto(`${app.url}/account/activity`);
    await heading(second, "Activity");
    const before = await refreshCookie(context);

    await first.waitForTimeout(ACCESS_TTL_MS + 1_500);
    // Both tabs find an expired access token and present the same refresh token at once.
    const [a, b] = await Promise.all([accessTo(first, app, "/account/sessions"), accessTo(second, app, "/account/profile")]);
    expect([a, b]).toEqual(["signed-in", "signed-in"]);
    await heading(first, "Sessions");
    await heading(second, "Profile");
    const after = await refreshCookie(context);
    expect(after).toBeTruthy();
    expect(after).not.toBe(before); // rotated, and both tabs agree on the successor

    // Neither refresh was taken for a replay: the session lives on through the next expiry too.
    await first.waitForTimeout(ACCESS_TTL_MS + 1_500);
    expect(await accessTo(second, app, "/dashboard")).toBe("signed-in");
    expect(await accessTo(first, app, "/account/activity")).toBe("signed-in");
    await heading(first, "Activity");
    // The activity page lists no replay alarm.
    expect(await first.getByText("a stolen token was replayed").count()).toBe(0);
    await context.close();
  });

  it("signs every browser out when one of them chooses “Sign out everywhere”", async () => {
    const person = newPerson("everywhere");
    const laptop = await browser.newContext();
    const laptopPage = await laptop.newPage();
    await createAccount(laptopPage, app, sink, person);

    const { context: phone, page: phonePage } = await signedInContext(() => browser.newContext(), app, person);
    await heading(phonePage, `Hello, ${person.name}`);
    await phonePage.getByRole("main").getByRole("button", { name: "Sign out everywhere" }).last().click();
    await phonePage.waitForURL((url) => url.pathname === "/sign-in");
    expect(await refreshCookie(phone)).toBeUndefined();

    // The laptop learns on its next navigation, and stays out.
    expect(await accessTo(laptopPage, app, "/dashboard")).toBe("signed-out");
    expect(await accessTo(laptopPage, app, "/account/profile")).toBe("signed-out");
    await laptop.close();
    await phone.close();
  });

  it("signs out from a dashboard left open past the access token's expiry", async () => {
    const person = newPerson("idle");
    const context = await browser.newContext();
    const page = await context.newPage();
    await createAccount(page, app, sink, person);

    await page.waitForTimeout(ACCESS_TTL_MS + 1_500);
    await page.getByRole("main").getByRole("button", { name: "Sign out", exact: true }).last().click();
    // Settles on the sign-in page, or (the bug this guards against) on the error page.
    await page
      .waitForFunction(
        () => location.pathname === "/sign-in" || /went wrong/i.test(document.querySelector("main h1")?.textContent ?? ""),
        null,
        { timeout: 10_000 },
      )
      .catch(() => undefined);
    const landed = { path: new URL(page.url()).pathname, heading: await page.locator("main h1").first().innerText() };
    expect(landed).toEqual({ path: "/sign-in", heading: "Sign in" });
    // Signed out for real: the session is gone on the server, not just this page.
    expect(await accessTo(page, app, "/dashboard")).toBe("signed-out");
    await context.close();
  });
});
