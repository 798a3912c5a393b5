import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { extractCode, startSmtpSink, type SmtpSink } from "../__tests__/helpers/smtp-sink";
import { startApp, type AppServer } from "./helpers/server";

/** The README's curl walk-through, run verbatim with bash against a real server. */
function readmeBlock(): string {
  const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  const section = readme.split("## The API in five minutes (curl)")[1];
  const block = section?.match(/```bash\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error("README has no curl walk-through block");
  return block;
}

let app: AppServer;
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
  app = await startApp({ SMTP_URL: sink.url });
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await sink?.close();
});

it("the README's curl walk-through works as written", async () => {
  const email = "curl-reader@shop.test";
  const child = spawn("bash", ["-euo", "pipefail", "-c", readmeBlock()], {
    env: { ...process.env, BASE: app.url, EMAIL: email },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const mail = await sink.waitForMail((m) => JSON.stringify(m.to ?? "").includes(email), 30_000);
  child.stdin.write(`${extractCode(mail)}\n`);
  child.stdin.end();

  expect(await exited).toBe(0);
  // Step 4 printed the account; step 6 revoked exactly one session.
  expect(out).toMatch(new RegExp(`"email":"${email}"`));
  expect(out).toContain('"revoked":1');
  expect(out).not.toMatch(/"error"/);
}, 120_000);
