import { mkdirSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { extractLink, startSmtpSink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import { THEME_STORAGE_KEY } from "../components/ui/theme-script";
import { axeFindings, formatViolations } from "./helpers/axe";
import { launchBrowser } from "./helpers/browser";
import {
  alertWith,
  createAccount,
  mailMark,
  newPerson,
  signIn,
  statusWith,
  submitSignIn,
  type Person,
} from "./helpers/flows";
import { startApp, type AppServer } from "./helpers/server";

/**
 * Every page (and the coloured error/success states), in light and dark: axe-core
 * finds no serious or critical violation, no console error is logged, and a
 * full-page screenshot at phone and desktop width lands in
 * docs/screenshots/<page>-<phone|desktop>[-dark].png for the README.
 */

const SCREENSHOTS = path.join(process.cwd(), "docs", "screenshots");

// No account has this address: the error and "sent" states cost no mail and lock nobody.
const STRANGER = "someone@example.com";

// The screenshots' sessions page names devices by user agent: show ordinary browsers.
const DESKTOP_CHROME =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

type Mode = { device: "phone" | "desktop"; dark: boolean };
const MODES: Mode[] = [
  { device: "desktop", dark: false },
  { device: "phone", dark: false },
  { device: "desktop", dark: true },
  { device: "phone", dark: true },
];

const VIEWPORTS: Record<Mode["device"], BrowserContextOptions> = {
  phone: { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 800 } },
};

type PageSpec = {
  /** File name stem and test title. */
  name: string;
  /** Path (and query) to open. */
  path: () => string;
  signedIn: boolean;
  /** The page's main heading: proves the right page rendered before axe looks at it. */
  heading: string | RegExp;
  /** HTTP status of the page (200 unless said). */
  status?: number;
  /** Brings the page into the state to check (an error, a sent form) after it has loaded. */
  act?: (page: Page) => Promise<void>;
};

let app: AppServer;
let sink: SmtpSink;
let browser: Browser;
let person: Person;
let resetPath = "";
let personId = "";
const contexts = new Map<string, BrowserContext>();
const minor: string[] = [];
/** Console errors and uncaught exceptions seen while visiting the pages → where each was seen. */
const consoleErrors = new Map<string, string[]>();

const PAGES: PageSpec[] = [
  { name: "home", path: () => "/", signedIn: false, heading: /front door/ },
  { name: "sign-up", path: () => "/sign-up", signedIn: false, heading: "Create your account" },
  { name: "sign-in", path: () => "/sign-in", signedIn: false, heading: "Sign in" },
  {
    name: "verify-email",
    path: () => `/verify-email?email=${encodeURIComponent(person.email)}`,
    signedIn: false,
    heading: "Check your email",
  },
  { name: "forgot-password", path: () => "/forgot-password", signedIn: false, heading: "Forgot your password?" },
  { name: "reset-password", path: () => resetPath, signedIn: false, heading: "Choose a new password" },
  {
    name: "reset-password-invalid",
    path: () => `/reset-password?token=${"x".repeat(43)}`,
    signedIn: false,
    heading: /no longer valid/,
  },
  { name: "dashboard", path: () => "/dashboard", signedIn: true, heading: /^Hello, / },
  { name: "profile", path: () => "/account/profile", signedIn: true, heading: "Profile" },
  { name: "sessions", path: () => "/account/sessions", signedIn: true, heading: "Sessions" },
  { name: "activity", path: () => "/account/activity", signedIn: true, heading: "Activity" },
  // States with coloured messages: error and success colours must keep their contrast too.
  {
    name: "sign-in-error",
    path: () => "/sign-in",
    signedIn: false,
    heading: "Sign in",
    act: async (page) => {
      await submitSignIn(page, STRANGER, "not the right password 42");
      await alertWith(page, "didn't work").waitFor();
    },
  },
  {
    name: "sign-up-errors",
    path: () => "/sign-up",
    signedIn: false,
    heading: "Create your account",
    act: async (page) => {
      await page.getByLabel("Email address").fill("not an address");
      await page.getByLabel("Password", { exact: true }).fill("short");
      // Enter submits the form: every field's errors show at once.
      await page.getByLabel("Password", { exact: true }).press("Enter");
      await page.getByText("Enter your name").waitFor();
    },
  },
  {
    name: "forgot-password-sent",
    path: () => "/forgot-password",
    signedIn: false,
    heading: "Forgot your password?",
    act: async (page) => {
      await page.getByLabel("Email address").fill(STRANGER);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await statusWith(page, /link is on its way/).waitFor();
    },
  },
  { name: "not-found", path: () => "/no-such-page", signedIn: false, heading: "This page does not exist", status: 404 },
  // Ada is an ADMIN in this run, so the admin area is checked too.
  { name: "admin-users", path: () => "/admin/users", signedIn: true, heading: "Users" },
  { name: "admin-user", path: () => `/admin/users/${personId}`, signedIn: true, heading: "ada@example.com" },
  { name: "admin-audit", path: () => "/admin/audit", signedIn: true, heading: "Audit log" },
];

const modeKey = (mode: Mode, signedIn: boolean) => `${mode.device}-${mode.dark ? "dark" : "light"}-${signedIn ? "in" : "out"}`;

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  sink = await startSmtpSink();
  app = await startApp({ SMTP_URL: sink.url });
  browser = await launchBrowser();

  // One account with some history: signed up, confirmed, a second device, a reset link asked for.
  // A fixed address reads better in the README's screenshots (each run has its own database).
  person = { ...newPerson("ada"), email: "ada@example.com", name: "Ada Lovelace" };
  const setup = await browser.newContext({ userAgent: DESKTOP_CHROME });
  const page = await setup.newPage();
  await createAccount(page, app, sink, person);
  // Promote Ada (as `npm run admin:promote` would), then sign in again so her token carries the role.
  const db = new Client({ connectionString: app.databaseUrl });
  await db.connect();
  const promoted = await db.query<{ id: string }>(`UPDATE "users" SET "role" = 'ADMIN' WHERE "email" = $1 RETURNING "id"::text`, [
    person.email,
  ]);
  await db.end();
  personId = promoted.rows[0]!.id;
  await signIn(page, app, person);
  const signedIn = await setup.storageState();

  const phone = await browser.newContext({
    userAgent:
      "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1",
  });
  await signIn(await phone.newPage(), app, person);
  await phone.close();

  const mark = mailMark(sink);
  const visitor = await browser.newContext({ userAgent: DESKTOP_CHROME });
  const forgot = await visitor.newPage();
  await forgot.goto(`${app.url}/forgot-password`);
  await forgot.getByLabel("Email address").fill(person.email);
  await forgot.getByRole("button", { name: "Send reset link" }).click();
  await statusWith(forgot, /link is on its way/).waitFor();
  const link = new URL(extractLink(await mark.next(person.email, /reset your/i), "/reset-password"));
  resetPath = link.pathname + link.search;
  await visitor.close();

  for (const mode of MODES) {
    const theme = mode.dark
      ? [{ origin: app.url, localStorage: [{ name: THEME_STORAGE_KEY, value: "dark" }] }]
      : [];
    const common: BrowserContextOptions = {
      ...VIEWPORTS[mode.device],
      colorScheme: mode.dark ? "dark" : "light",
      reducedMotion: "reduce",
    };
    contexts.set(modeKey(mode, false), await browser.newContext({ ...common, storageState: { cookies: [], origins: theme } }));
    contexts.set(
      modeKey(mode, true),
      await browser.newContext({ ...common, storageState: { cookies: signedIn.cookies, origins: theme } }),
    );
  }
  await setup.close();
}, 120_000);

afterAll(async () => {
  if (minor.length > 0) console.info(`Moderate/minor axe findings (not failing):\n\n${minor.join("\n\n")}`);
  for (const context of contexts.values()) await context.close();
  await browser?.close();
  await app?.stop();
  await sink?.close();
});

async function visit(spec: PageSpec, mode: Mode): Promise<Page> {
  const context = contexts.get(modeKey(mode, spec.signedIn));
  if (!context) throw new Error(`no context for ${modeKey(mode, spec.signedIn)}`);
  const page = await context.newPage();
  const where = `${spec.name} (${mode.device}${mode.dark ? ", dark" : ""})`;
  const note = (text: string) => consoleErrors.set(text, [...(consoleErrors.get(text) ?? []), where]);
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const url = message.location().url.replace(app.url, "");
    // Chromium logs the 404 page's own status as an error: that one is the point of the page.
    if (spec.status === 404 && url === spec.path() && message.text().includes("404")) return;
    note(`${message.text()}${url ? ` (${url})` : ""}`);
  });
  page.on("pageerror", (error) => note(`uncaught ${error.message}`));
  const response = await page.goto(`${app.url}${spec.path()}`);
  expect(response?.status()).toBe(spec.status ?? 200);
  const heading = page.getByRole("heading", { name: spec.heading, level: 1 });
  await heading.waitFor();
  // Hydrated (React has claimed the server HTML: the OTP boxes, the theme toggle's icon),
  // and the web fonts are in, so screenshots show the page as people see it.
  await page.waitForFunction(() => {
    const h1 = document.querySelector("main h1");
    return h1 !== null && Object.keys(h1).some((key) => key.startsWith("__reactFiber"));
  });
  await page.evaluate(() => document.fonts.ready);
  return page;
}

/** Axe and a screenshot of one page in one mode; returns the blocking findings, formatted ("" if none). */
async function checkAndShoot(spec: PageSpec, mode: Mode): Promise<string> {
  const page = await visit(spec, mode);
  await spec.act?.(page);
  const where = `${spec.name} ${mode.device} ${mode.dark ? "dark" : "light"}`;
  // The theme really is the one we asked for (the pre-paint script and the toggle agree).
  expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(mode.dark);

  // Light and dark at desktop width (contrast is what the theme changes), and the phone
  // layout once (it shows other elements: the short header label, the scrolling account nav).
  const findings = mode.device === "desktop" || !mode.dark ? await axeFindings(page) : { blocking: [], other: [] };
  if (findings.other.length > 0) minor.push(formatViolations(where, findings.other));

  const file = `${spec.name}-${mode.device}${mode.dark ? "-dark" : ""}.png`;
  await page.screenshot({ path: path.join(SCREENSHOTS, file), fullPage: true, animations: "disabled" });
  await page.close();
  return formatViolations(where, findings.blocking);
}

describe("accessibility and screenshots of every page", () => {
  it.each(PAGES.map((p) => [p.name, p] as const))("%s: no serious or critical axe violations (desktop light and dark, phone)", async (_name, spec) => {
    const reports: string[] = [];
    for (const mode of MODES) reports.push(await checkAndShoot(spec, mode));
    const found = reports.filter((r) => r !== "");
    if (found.length > 0) throw new Error(`axe found serious or critical violations:\n\n${found.join("\n\n")}`);
  });

  // Runs after the visits above: a failed request (a missing icon, a chunk) or a hydration
  // error shows up in the console even when the page looks fine.
  it("logged no console error on any of those pages", () => {
    const seen = [...consoleErrors].map(([text, pages]) => `${text}\n    on ${pages.length} page loads: ${pages.slice(0, 4).join(", ")}…`);
    expect(seen).toEqual([]);
  });
});
