import { linkSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

/**
 * Opening the embedded (PGlite) data directory, one process at a time.
 *
 * PGlite is PostgreSQL compiled to WASM with its own in-memory buffers and no
 * shared locking: a second process on the same directory (`npm run admin:create`
 * while `npm run dev` runs) "succeeds", its writes are invisible to the first,
 * and whichever closes last overwrites the other's pages. So every opener in
 * this code base goes through openEmbeddedDb, which first takes an exclusive
 * lock file holding its pid, and refuses with EmbeddedDbLockedError when a live
 * process holds it.
 */

export const LOCK_FILE = ".gatehouse.lock";

/** A lock file whose content cannot be read as a pid is stale after this long (a crash between create and write). */
const UNREADABLE_LOCK_STALE_MS = 10_000;

export class EmbeddedDbLockedError extends Error {
  constructor(
    public readonly dir: string,
    public readonly pid: number | null,
  ) {
    const lock = path.join(dir, LOCK_FILE);
    super(
      `The embedded database in ${dir} is in use by ${pid === null ? "another process" : `process ${pid}`} ` +
        "(`npm run dev`, `npm start` or an admin/db command). PGlite allows one process at a time: " +
        "stop that process first, or set DATABASE_URL to use PostgreSQL. " +
        `If no such process is running, delete ${lock}.`,
    );
    this.name = "EmbeddedDbLockedError";
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user — still alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOwner(file: string): { pid: number | null; content: string } | undefined {
  try {
    const content = readFileSync(file, "utf8");
    const pid = /^\d+$/.test(content.trim()) ? Number(content.trim()) : null;
    return { pid, content };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function isStale(file: string, owner: { pid: number | null }): boolean {
  if (owner.pid !== null) return !pidAlive(owner.pid);
  try {
    return Date.now() - statSync(file).mtimeMs > UNREADABLE_LOCK_STALE_MS;
  } catch {
    return true;
  }
}

/** Locks this process holds, released at exit even when close() was never called. */
const held = new Set<string>();
let exitHook = false;

function releaseFile(file: string): void {
  if (!held.delete(file)) return;
  // Only remove the lock if it is still ours (never a successor's).
  if (readOwner(file)?.pid === process.pid) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

/**
 * Take the directory's lock for this process, or throw EmbeddedDbLockedError.
 * A lock left by a process that has died (kill -9, crash) is taken over.
 * Returns the release function (idempotent).
 */
export function lockEmbeddedDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // `wx` is O_CREAT|O_EXCL: exactly one process creates the file.
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      held.add(file);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", () => [...held].forEach(releaseFile));
      }
      return () => releaseFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const owner = readOwner(file);
    if (!owner) continue; // released meanwhile: try again
    if (!isStale(file, owner)) throw new EmbeddedDbLockedError(dir, owner.pid);
    // Stale: move it aside atomically, then check we moved the stale one and not
    // a lock another process took over in the meantime (put that one back).
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const moved = readOwner(aside);
    if (moved && moved.content !== owner.content) {
      try {
        linkSync(aside, file);
      } catch {
        // someone else holds it now; the next attempt reports them
      }
    }
    try {
      unlinkSync(aside);
    } catch {
      // already gone
    }
  }
  throw new EmbeddedDbLockedError(dir, readOwner(file)?.pid ?? null);
}

/**
 * Lock and open the embedded database in `dir` (created if missing). close()
 * closes PGlite and then releases the lock.
 */
export async function openEmbeddedDb(dir: string): Promise<{ pglite: PGlite; close: () => Promise<void> }> {
  const release = lockEmbeddedDir(dir);
  const pglite = new PGlite(dir);
  try {
    await pglite.waitReady;
  } catch (err) {
    // The open failed: that error is the one to report, not a close failure after it.
    await pglite.close().catch(() => undefined);
    release();
    throw err;
  }
  return {
    pglite,
    close: async () => {
      try {
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}
