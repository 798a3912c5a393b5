import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import type * as ListPageModule from "@/app/dev/mailbox/page";
import type * as DetailPageModule from "@/app/dev/mailbox/[id]/page";
import type * as MailboxModule from "@/lib/mail/mailbox";

// A private data directory (DATA_DIR is read when lib/env loads, hence the imports in beforeAll).
const dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-mailbox-page-"));

let listPage: typeof ListPageModule;
let detailPage: typeof DetailPageModule;
let mailbox: typeof MailboxModule;

// Next's types make NODE_ENV read-only; the pages read it at render time.
function setNodeEnv(value: "production" | "test"): void {
  Object.assign(process.env, { NODE_ENV: value });
}

beforeAll(async () => {
  process.env.GATEHOUSE_DATA_DIR = dataDir;
  mailbox = await import("@/lib/mail/mailbox");
  listPage = await import("@/app/dev/mailbox/page");
  detailPage = await import("@/app/dev/mailbox/[id]/page");
  expect(mailbox.devMailboxDir()).toBe(path.join(dataDir, "mailbox"));
});

beforeEach(async () => {
  await mailbox.clearDevMails();
});

afterEach(() => setNodeEnv("test"));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const NOT_FOUND = { digest: "NEXT_HTTP_ERROR_FALLBACK;404" };

describe("dev mailbox pages", () => {
  it("are not found in production, even with mail on disk", async () => {
    const stored = await mailbox.storeDevMail({ to: "a@example.test", subject: "s", text: "t", html: "<p>h</p>" });
    setNodeEnv("production");
    await expect(listPage.default()).rejects.toMatchObject(NOT_FOUND);
    await expect(detailPage.default({ params: Promise.resolve({ id: stored.id }) })).rejects.toMatchObject(NOT_FOUND);
  });

  it("lists mail newest first with the code in a <code> element and the HTML in a sandboxed iframe", async () => {
    await mailbox.storeDevMail({
      to: "old@example.test",
      subject: "Reset your Gatehouse password",
      text: "Choose a new password:\nhttp://localhost:3000/reset-password?token=abc\n",
      html: "<p>reset</p>",
    });
    await mailbox.storeDevMail({
      to: "new@example.test",
      subject: "Your Gatehouse code is 314159",
      text: "Hello,\n\n    314159\n",
      html: `<p onclick="x">code <b>314159</b></p>`,
    });

    const html = renderToStaticMarkup(await listPage.default());
    expect(html.indexOf("new@example.test")).toBeLessThan(html.indexOf("old@example.test"));
    expect(html).toMatch(/<code[^>]*>314159<\/code>/);
    expect(html).toMatch(/<code[^>]*>http:\/\/localhost:3000\/reset-password\?token=abc<\/code>/);
    expect(html).toContain("Copy code");
    // The mail's HTML only appears escaped inside srcdoc, never as live markup of the page.
    expect(html).toMatch(/<iframe sandbox="" srcDoc="&lt;p onclick=&quot;x&quot;&gt;code &lt;b&gt;314159/i);
    expect(html).not.toContain(`<p onclick="x">`);
  });

  it("shows one mail by id, and not found for an unknown or malformed id", async () => {
    const stored = await mailbox.storeDevMail({
      to: "a@example.test",
      subject: "Your Gatehouse code is 271828",
      text: "    271828",
      html: "<p>271828</p>",
    });
    const html = renderToStaticMarkup(await detailPage.default({ params: Promise.resolve({ id: stored.id }) }));
    expect(html).toContain("Your Gatehouse code is 271828");
    expect(html).toMatch(/<code[^>]*>271828<\/code>/);

    await expect(detailPage.default({ params: Promise.resolve({ id: "0000000000000-00000000" }) })).rejects.toMatchObject(
      NOT_FOUND,
    );
    await expect(detailPage.default({ params: Promise.resolve({ id: "../../env" }) })).rejects.toMatchObject(NOT_FOUND);
  });

  it("says so when the mailbox is empty", async () => {
    expect(renderToStaticMarkup(await listPage.default())).toContain("No mail yet");
  });
});
