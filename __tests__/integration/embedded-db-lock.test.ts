import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EmbeddedDbLockedError, LOCK_FILE, lockEmbeddedDir } from "@/lib/db/embedded";

/**
 * Two processes must never open the same PGlite data directory (issue 15,
 * defect 3): `npm run admin:create` while `npm run dev` ran printed success,
 * and its writes were lost. Whoever opens the directory holds a lock file with
 * its pid; the CLI commands refuse with a clear message while a live process
 * holds it, and take over a lock whose process has died.
 */

const ROOT = path.resolve(__dirname, "../..");
jest.setTimeout(180_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-lock-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that no process has any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(r.stdout.toString());
}

type Run = { code: number | null; stdout: string; stderr: string };
function npmRun(script: string, args: string[], dbDir: string, stdin = ""): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDED_DB_DIR: dbDir, BCRYPT_COST: "4", LOG_LEVEL: "silent" };
  delete env.DATABASE_URL;
  delete env.JWT_SECRET;
  const child = spawn("npm", ["run", "--silent", script, "--", ...args], { cwd: ROOT, env });
  const run: Run = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (b: Buffer) => (run.stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (run.stderr += b.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ ...run, code }));
  });
}

describe("embedded database lock", () => {
  it("a second open of a locked directory refuses with a message naming the holder and what to do; release frees it", () => {
    const release = lockEmbeddedDir(dir);
    const lock = path.join(dir, LOCK_FILE);
    expect(readFileSync(lock, "utf8").trim()).toBe(String(process.pid));

    let refused: unknown;
    try {
      lockEmbeddedDir(dir);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(EmbeddedDbLockedError);
    expect((refused as Error).message).toContain(`in use by process ${process.pid}`);
    expect((refused as Error).message).toMatch(/npm run dev.*one process at a time: stop that process first/);

    release();
    expect(existsSync(lock)).toBe(false);
    lockEmbeddedDir(dir)();
  });

  it("a stale lock left by a dead process is taken over", () => {
    const lock = path.join(dir, LOCK_FILE);
    writeFileSync(lock, `${deadPid()}\n`);
    const release = lockEmbeddedDir(dir);
    expect(readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    release();
    expect(existsSync(lock)).toBe(false);
  });

  it("admin:create, admin:promote and db:migrate refuse while another process holds the directory, and leave its lock alone", async () => {
    const release = lockEmbeddedDir(dir); // stands in for `npm run dev`
    try {
      const runs = await Promise.all([
        npmRun("admin:create", ["--email", "ana@example.com", "--name", "Ana"], dir, "correct horse battery staple 42!\n"),
        npmRun("admin:promote", ["--email", "ana@example.com"], dir),
        npmRun("db:migrate", [], dir),
      ]);
      for (const run of runs) {
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`in use by process ${process.pid}`);
        expect(run.stderr).toMatch(/stop that process first/);
        expect(run.stdout).not.toMatch(/created|promoted|applied/);
      }
      expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
      expect(existsSync(path.join(dir, "PG_VERSION"))).toBe(false); // never opened
    } finally {
      release();
    }
  });

  it("db:migrate takes over a stale lock, migrates, and removes its lock when done", async () => {
    writeFileSync(path.join(dir, LOCK_FILE), `${deadPid()}\n`);
    const run = await npmRun("db:migrate", [], dir);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/applied/);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});
