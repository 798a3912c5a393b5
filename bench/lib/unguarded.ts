import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * The same app with the guard taken out, built in a throwaway copy, so a
 * guarded page can be compared with ITSELF unguarded: same components, same
 * markup, same data, only the checks missing. Nothing of this reaches the
 * app's own code or its build: the copy lives under the system temp directory
 * and is patched there, in exactly two places:
 *
 *   - middleware.ts: /dashboard is not a protected path (no JWT check);
 *   - lib/auth/current-user.ts: getCurrentUser() returns a fixed user (no JWT
 *     check, no session row) with the seeded bench user's name and email.
 *
 * The copy is rebuilt only when the app's sources change (a hash of them names
 * the directory). node_modules is hard-linked, not copied.
 */

const ROOT = process.cwd();
// What `next build` needs: the app's folders (untracked new files included) and the tracked files at the root.
const APP_DIRS = ["app/", "components/", "lib/", "prisma/", "public/", "scripts/"];
const PATCH_VERSION = "2";

export const UNGUARDED_USER = { email: "user1@bench.test", name: "Bench user 1" } as const;

type Patch = { file: string; find: string; replace: string };

const PATCHES: Patch[] = [
  {
    file: "middleware.ts",
    find: "  if (guarded) {",
    // Only the check goes: the answer keeps the guarded page's Cache-Control.
    replace: '  if (guarded && pathname !== "/dashboard") { // bench copy: /dashboard unguarded',
  },
  {
    file: "lib/auth/current-user.ts",
    find: `  const valid = await validateAccessToken(await readAccessCookie());
  if (!valid) return null;
  return { user: valid.session.user, session: { id: valid.session.id } };`,
    replace: `  // bench copy: no JWT check, no session row.
  void validateAccessToken;
  void readAccessCookie;
  const now = new Date();
  return {
    user: { id: "00000000-0000-7000-8000-000000000000", email: ${JSON.stringify(UNGUARDED_USER.email)}, name: ${JSON.stringify(UNGUARDED_USER.name)}, role: "USER", emailVerifiedAt: now, createdAt: now },
    session: { id: "00000000-0000-7000-8000-000000000001" },
  };`,
  },
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [path.relative(ROOT, full)];
  });
}

function git(...args: string[]): string[] {
  return execFileSync("git", [...args, "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
}

/** The app's sources (as in the working tree, uncommitted changes included) and the generated Prisma client. */
function sourceFiles(): string[] {
  const inDirs = git("ls-files", "-co", "--exclude-standard").filter((f) => APP_DIRS.some((d) => f.startsWith(d)));
  const atRoot = git("ls-files", "-c").filter((f) => !f.includes("/"));
  return [...new Set([...inDirs, ...atRoot, ...walk(path.join(ROOT, "lib/db/generated"))])].filter((f) => existsSync(path.join(ROOT, f))).sort();
}

/** Build (or reuse) the unguarded copy; returns its directory, ready for `next start`. */
export function unguardedBuild(log: (msg: string) => void = console.log): string {
  const files = sourceFiles();
  const hash = createHash("sha256").update(PATCH_VERSION);
  for (const f of files) hash.update(f).update("\0").update(readFileSync(path.join(ROOT, f)));
  const dir = path.join(os.tmpdir(), `gatehouse-bench-unguarded-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(path.join(dir, ".next/BUILD_ID"))) return dir;

  log(`building the unguarded copy in ${dir} (once per source change, ~1-2 min)`);
  rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(dir, f));
  }
  for (const p of PATCHES) {
    const file = path.join(dir, p.file);
    const text = readFileSync(file, "utf8");
    if (text.split(p.find).length !== 2) throw new Error(`bench/lib/unguarded.ts: the guard in ${p.file} changed shape; update its patch`);
    writeFileSync(file, text.replace(p.find, p.replace));
  }
  // Hard links: instant, and no second copy of ~1 GB (same filesystem as the system temp dir here; else a copy).
  const linked = spawnSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(dir, "node_modules")]);
  if (linked.status !== 0) cpSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), { recursive: true });
  const built = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { cwd: dir, encoding: "utf8", env: { ...process.env, NODE_ENV: "production" } });
  if (built.status !== 0 || !existsSync(path.join(dir, ".next/BUILD_ID"))) {
    throw new Error(`next build of the unguarded copy failed:\n${built.stdout}\n${built.stderr}`);
  }
  return dir;
}
