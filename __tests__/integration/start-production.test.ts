import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

// `next start` with a weak JWT_SECRET must not serve: next.config.ts validates
// the settings when the server starts (lib/env.ts) and exits non-zero. That
// happens before Next looks for a build, so no `next build` is needed here.

const ROOT = path.resolve(__dirname, "../..");
const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");

type Exit = { code: number | null; signal: NodeJS.Signals | null; output: string };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `next start` in `cwd` with exactly `env` (plus PATH/HOME); killed after `timeoutMs` whatever happens. */
async function nextStart(cwd: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Exit> {
  const port = await freePort();
  // Not the test's own environment: it carries test settings (BCRYPT_COST=4, a JWT_SECRET…).
  const childEnv: NodeJS.ProcessEnv = {
    NODE_ENV: "production",
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NEXT_TELEMETRY_DISABLED: "1",
    ...env,
  };
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port)], { cwd, env: childEnv, detached: true });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output += b.toString()));
  child.stderr.on("data", (b: Buffer) => (output += b.toString()));
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(kill, timeoutMs);
  try {
    return await new Promise<Exit>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal, output }));
    });
  } finally {
    clearTimeout(timer);
    kill(); // whatever it started must not outlive the test
  }
}

const WEAK = { NODE_ENV: "production", JWT_SECRET: "secret" };
const STRONG_SECRET = "Zq8vN3kR7tW1xY5bC9dF2gH6jL4mP0sT8uV3wX7yA1cE5";
// What `npm start` adds: the preload that stamps each request with the socket address.
const PRELOAD = { NODE_OPTIONS: `--require ${path.join(ROOT, "scripts/client-ip.cjs")}` };

/** A directory laid out as a fresh clone: sources, no .next build. */
function withoutBuild<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-no-build-"));
  for (const entry of ["next.config.ts", "package.json", "tsconfig.json", "lib", "node_modules"]) {
    symlinkSync(path.join(ROOT, entry), path.join(dir, entry));
  }
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}
// Never connected to: the start must fail before any database is touched.
const SOME_DATABASE = { DATABASE_URL: "postgresql://gatehouse@127.0.0.1:1/gatehouse" };
// Never connected to either: production refuses to start without a mail server.
const SOME_SMTP = { SMTP_URL: "smtp://127.0.0.1:1" };

describe("next start in production", () => {
  it("exits non-zero on JWT_SECRET=secret, naming JWT_SECRET", async () => {
    const exit = await nextStart(ROOT, { ...WEAK, ...SOME_DATABASE });
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.output).toContain("[gatehouse] Invalid configuration:");
    expect(exit.output).toContain("JWT_SECRET is too short (6 bytes; at least 32 are required)");
  }, 90_000);

  it("does so without a build: the settings are checked before Next looks for .next", async () => {
    await withoutBuild(async (dir) => {
      const exit = await nextStart(dir, { ...WEAK, ...SOME_DATABASE, ...PRELOAD });
      expect(exit).toMatchObject({ code: 1, signal: null });
      expect(exit.output).toContain("JWT_SECRET is too short");
      expect(exit.output).not.toContain("Could not find a production build");

      // Control: with a strong secret the settings pass, and only then does the missing build stop it.
      const control = await nextStart(dir, { ...WEAK, ...SOME_DATABASE, ...SOME_SMTP, ...PRELOAD, JWT_SECRET: STRONG_SECRET });
      expect(control.code).not.toBe(0);
      expect(control.output).not.toContain("Invalid configuration");
      expect(control.output).toContain("Could not find a production build");
    });
  }, 150_000);

  it("without the client-ip preload or a trusted proxy header (plain `next start`), exits non-zero naming the client IP", async () => {
    await withoutBuild(async (dir) => {
      const plain = await nextStart(dir, { ...WEAK, ...SOME_DATABASE, JWT_SECRET: STRONG_SECRET });
      expect(plain).toMatchObject({ code: 1, signal: null });
      expect(plain.output).toContain("[gatehouse] Invalid configuration:");
      expect(plain.output).toContain("The client IP cannot be known: start with `npm start`");
      expect(plain.output).not.toContain("Could not find a production build");

      // A trusted proxy header is the other way to know the client: the settings pass.
      const proxied = await nextStart(dir, { ...WEAK, ...SOME_DATABASE, ...SOME_SMTP, JWT_SECRET: STRONG_SECRET, TRUST_PROXY_HEADER: "x-forwarded-for" });
      expect(proxied.output).not.toContain("Invalid configuration");
      expect(proxied.output).toContain("Could not find a production build");
    });
  }, 150_000);

  it("without SMTP_URL, exits non-zero naming SMTP_URL instead of answering every sign-up 503", async () => {
    await withoutBuild(async (dir) => {
      const exit = await nextStart(dir, { ...WEAK, ...SOME_DATABASE, ...PRELOAD, JWT_SECRET: STRONG_SECRET });
      expect(exit).toMatchObject({ code: 1, signal: null });
      expect(exit.output).toContain("[gatehouse] Invalid configuration:");
      expect(exit.output).toContain("SMTP_URL is required in production");
      expect(exit.output).not.toContain("Could not find a production build");
    });
  }, 90_000);

  it("without DATABASE_URL, exits non-zero naming DATABASE_URL", async () => {
    const exit = await nextStart(ROOT, WEAK);
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.output).toContain("DATABASE_URL is required in production");
  }, 90_000);
});
