import type { Browser } from "playwright-core";
import { startSmtpSink, type SmtpSink } from "../../__tests__/helpers/smtp-sink";
import { launchBrowser } from "./browser";
import { startApp, type AppServer } from "./server";

/** What a browser test file runs against: a real SMTP sink, `next start` mailing to it, and Chromium. */
export type BrowserStack = { app: AppServer; sink: SmtpSink; browser: Browser };

/** Start the sink, the app (with `env` on top of SMTP_URL) and the browser; what started is stopped again if a later step fails. */
export async function startBrowserStack(env: Record<string, string> = {}): Promise<BrowserStack> {
  const started: Partial<BrowserStack> = {};
  try {
    started.sink = await startSmtpSink();
    started.app = await startApp({ SMTP_URL: started.sink.url, ...env });
    started.browser = await launchBrowser();
    return started as BrowserStack;
  } catch (err) {
    await stopBrowserStack(started);
    throw err;
  }
}

/** Stop in reverse order; tolerates a stack that never fully started. */
export async function stopBrowserStack(stack: Partial<BrowserStack>): Promise<void> {
  await stack.browser?.close();
  await stack.app?.stop();
  await stack.sink?.close();
}
