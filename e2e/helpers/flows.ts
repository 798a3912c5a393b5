import type { ParsedMail } from "mailparser";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { extractCode, type SmtpSink } from "../../__tests__/helpers/smtp-sink";
import type { AppServer } from "./server";

/**
 * Steps several browser tests share: sign up and confirm with the mailed code,
 * sign in, read mails from the SMTP sink. Selectors go by role and label, as a
 * person (or a screen reader) finds things.
 */

/** Long, unrelated words: passes the length rule and the zxcvbn check. */
export const PASSWORD = "violet lantern orbit 9 harbor";

export type Person = { email: string; name: string; password: string };

let counter = 0;

/** A new person with a unique address per call (`tag` keeps failures readable). */
export function newPerson(tag: string, password = PASSWORD): Person {
  counter += 1;
  const id = `${Date.now().toString(36)}${counter}`;
  return { email: `${tag}-${id}@shop.test`, name: `${tag[0]?.toUpperCase() ?? ""}${tag.slice(1)} Tester`, password };
}

/** Whether a mail is addressed to `email`. */
export function isTo(mail: ParsedMail, email: string): boolean {
  const to = mail.to;
  const list = Array.isArray(to) ? to : to ? [to] : [];
  return list.some((a) => a.value.some((v) => v.address?.toLowerCase() === email.toLowerCase()));
}

/**
 * A mark in the sink's mailbox: `next()` waits for a mail that arrived after the
 * mark, so an older mail with the same subject is never mistaken for the new one.
 */
export function mailMark(sink: SmtpSink) {
  const start = sink.mails.length;
  return {
    next(email: string, subject: RegExp, timeoutMs = 10_000): Promise<ParsedMail> {
      return sink.waitForMail((m) => sink.mails.indexOf(m) >= start && isTo(m, email) && subject.test(m.subject ?? ""), timeoutMs);
    },
    /** Mails to `email` since the mark (no waiting). */
    since(email: string): ParsedMail[] {
      return sink.mails.slice(start).filter((m) => isTo(m, email));
    },
  };
}

/** Fill the sign-up form and wait for the code page. */
export async function signUp(page: Page, app: AppServer, person: Person): Promise<void> {
  await page.goto(`${app.url}/sign-up`);
  await page.getByLabel("Email address").fill(person.email);
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/verify-email\?/);
}

/** The 6-digit code field of the verify and email-change forms. */
export function codeField(page: Page) {
  return page.getByLabel(/code/i).first();
}

/**
 * Wait until the browser is on `pathname`; on a timeout the error says where it
 * is instead and what the page's alerts say, which is usually the reason.
 */
export async function waitForPath(page: Page, pathname: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForURL((url) => url.pathname === pathname, { timeout });
  } catch (err) {
    const alerts = await page
      .locator("main [role=alert]")
      .allInnerTexts()
      .catch(() => []);
    const why = alerts.length > 0 ? `; alerts: ${alerts.map((a) => JSON.stringify(a)).join(", ")}` : "";
    throw new Error(`Expected to reach ${pathname} but still on ${page.url()}${why}\n${String(err)}`);
  }
}

/**
 * Sign up and confirm with the code from the real mail; ends on the dashboard,
 * signed in.
 */
export async function createAccount(page: Page, app: AppServer, sink: SmtpSink, person: Person): Promise<void> {
  const mark = mailMark(sink);
  await signUp(page, app, person);
  const code = extractCode(await mark.next(person.email, /code/i));
  // Six digits submit the form on their own.
  await codeField(page).fill(code);
  await waitForPath(page, "/dashboard");
  await page.getByRole("heading", { name: `Hello, ${person.name}` }).waitFor();
}

/** Submit the sign-in form on the current page; waits for the server's answer. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/sign-in");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await answered;
}

/**
 * Wait for a refused sign-in to settle: the alert with `message` is shown, the
 * button is back and the password has been emptied (so the next fill sticks).
 */
export async function expectSignInRefused(page: Page, message: string | RegExp): Promise<void> {
  await alertWith(page, message).waitFor();
  await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
  await page.waitForFunction(() => {
    const input = document.querySelector<HTMLInputElement>("#sign-in-password");
    return input !== null && input.value === "" && !input.closest("form")?.querySelector("[aria-busy=true]");
  });
}

/** Open /sign-in (with `next` if given), sign in and wait for the landing page. */
export async function signIn(page: Page, app: AppServer, person: Pick<Person, "email" | "password">, next?: string): Promise<void> {
  const query = next ? `?next=${encodeURIComponent(next)}` : "";
  await page.goto(`${app.url}/sign-in${query}`);
  await submitSignIn(page, person.email, person.password);
  await page.waitForURL((url) => url.pathname === (next ?? "/dashboard"));
}

/** A fresh context signed in as `person`, with its page on the dashboard. */
export async function signedInContext(
  newContext: () => Promise<BrowserContext>,
  app: AppServer,
  person: Pick<Person, "email" | "password">,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await newContext();
  const page = await context.newPage();
  await signIn(page, app, person);
  return { context, page };
}

/**
 * Navigate to a guarded page and tell where the browser ends up: "signed-in" on
 * the page itself, "signed-out" on the sign-in page.
 */
export async function accessTo(page: Page, app: AppServer, path: string): Promise<"signed-in" | "signed-out"> {
  await page.goto(`${app.url}${path}`);
  // The refresh page posts itself back: settle on a real page with its main heading first.
  await page.waitForURL((url) => url.pathname !== "/api/auth/refresh");
  await page.locator("main h1").first().waitFor();
  return new URL(page.url()).pathname === "/sign-in" ? "signed-out" : "signed-in";
}

/** Wait until a field holds `value` (effects such as "empty after an error" run after the render). */
export async function waitForValue(field: Locator, value: string): Promise<void> {
  const handle = await field.elementHandle();
  await field.page().waitForFunction(([el, v]) => (el as HTMLInputElement | null)?.value === v, [handle, value] as const);
}

/** The error alert of the current form with `text`. */
export function alertWith(page: Page, text: string | RegExp) {
  return page.getByRole("alert").filter({ hasText: text });
}

/** A success/info message (role="status") with `text`. */
export function statusWith(page: Page, text: string | RegExp) {
  return page.getByRole("status").filter({ hasText: text });
}
