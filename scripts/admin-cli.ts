/**
 * Shared plumbing of the admin CLI (admin-create.ts, admin-promote.ts): open
 * and migrate the database the app would use, read a password without echo,
 * fail with one clear line and a non-zero exit.
 */
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { Client } from "pg";
import { resetBcryptPool } from "../lib/auth/password-pool";
import { closeDb, createPgClient, createPgliteClient, setDb } from "../lib/db/client";
import { EmbeddedDbLockedError, openEmbeddedDb } from "../lib/db/embedded";
import { migrate, pgExecutor, pgliteExecutor } from "../lib/db/migrate";
import type { EventContext } from "../lib/data/audit";
import { EnvError, getEnv, type Env } from "../lib/env";

/** An expected failure: its message is shown as is, with exit code `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly code = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/**
 * The settings, parsed like the app's. The CLI signs no tokens, so a missing
 * JWT_SECRET is replaced by a throwaway one (no development secret file gets
 * written, and production needs no secret on the admin's shell); every other
 * rule (DATABASE_URL in production, bcrypt cost) applies as in the app.
 */
export function cliEnv(): Env {
  if (!process.env.JWT_SECRET) process.env.JWT_SECRET = randomBytes(48).toString("base64url");
  // Audit events are mirrored to the log; the CLI's own lines say what happened.
  process.env.LOG_LEVEL ??= "warn";
  try {
    return getEnv();
  } catch (err) {
    if (err instanceof EnvError) throw new CliError(err.message);
    throw err;
  }
}

/** Where the data lives, for the messages (never the password of a URL). */
export function describeDatabase(env: Env): string {
  if (!env.DATABASE_URL) {
    const rel = path.relative(process.cwd(), env.EMBEDDED_DB_DIR);
    return `embedded database in ${rel && !rel.startsWith("..") ? rel : env.EMBEDDED_DB_DIR}`;
  }
  try {
    const u = new URL(env.DATABASE_URL);
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "PostgreSQL (DATABASE_URL)";
  }
}

/**
 * Open the database the app uses (PostgreSQL at DATABASE_URL, else the
 * embedded one), bring it up to date first (a fresh install has no tables
 * yet), and make it the process-wide client.
 */
export async function openCliDb(env: Env, log: (msg: string) => void): Promise<void> {
  const onMigrate = (msg: string) => log(`migration ${msg}`);
  if (env.DATABASE_URL) {
    const client = new Client({ connectionString: env.DATABASE_URL, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (err) {
      throw new CliError(`Cannot connect to ${describeDatabase(env)}: ${(err as Error).message}`);
    }
    try {
      await migrate(pgExecutor(client), { log: onMigrate });
    } finally {
      await client.end();
    }
    setDb(createPgClient(env.DATABASE_URL, { poolSize: 2 }));
    return;
  }
  let embedded: Awaited<ReturnType<typeof openEmbeddedDb>>;
  try {
    // Refuses while the app (or another command) has the directory open: two
    // PGlite processes on one directory lose each other's writes.
    embedded = await openEmbeddedDb(env.EMBEDDED_DB_DIR);
  } catch (err) {
    if (err instanceof EmbeddedDbLockedError) throw new CliError(err.message);
    throw new CliError(`Cannot open the ${describeDatabase(env)}: ${(err as Error).message}`);
  }
  try {
    await migrate(pgliteExecutor(embedded.pglite), { log: onMigrate });
  } catch (err) {
    await embedded.close();
    throw new CliError(`Cannot migrate the ${describeDatabase(env)}: ${(err as Error).message}`);
  }
  const db = createPgliteClient(embedded.pglite);
  setDb(db, async () => {
    await db.$disconnect();
    await embedded.close();
  });
}

/** What the audit trail records as the "client" of a CLI action. */
export function cliContext(command: string): EventContext {
  return { ip: null, userAgent: `gatehouse-cli (${command})`, requestId: randomUUID() };
}

/** Ctrl-C or Ctrl-D at a prompt. */
class PromptAborted extends CliError {
  constructor() {
    super("Aborted.", 130);
  }
}

/** Ask on the terminal without echoing what is typed. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003" || (ch === "\u0004" && value === "")) {
          finish();
          reject(new PromptAborted());
          return;
        }
        if (ch === "\u007f" || ch === "\b") {
          value = [...value].slice(0, -1).join("");
          continue;
        }
        if (ch < " ") continue; // other control characters (arrows send escape sequences)
        value += ch;
      }
    }
    stdin.on("data", onData);
  });
}

// A password is one line; more than this on stdin is not a password.
const MAX_STDIN_BYTES = 4096;

/** The first line of a piped stdin (`printf '%s\n' "$PW" | npm run admin:create …`). */
export async function readPasswordFromPipe(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.byteLength;
    if (size > MAX_STDIN_BYTES) throw new CliError("stdin is longer than a password: send the password alone, on one line.");
    chunks.push(b);
  }
  const firstLine = Buffer.concat(chunks).toString("utf8").split("\n")[0]!.replace(/\r$/, "");
  if (!firstLine) throw new CliError("No password on stdin: pipe it in (one line), or run the command in a terminal to be asked.");
  return firstLine;
}

/** Prompt twice on a terminal; read stdin when it is piped. */
export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) return readPasswordFromPipe();
  const first = await promptHidden("Password (not shown): ");
  const second = await promptHidden("Repeat the password: ");
  if (first !== second) throw new CliError("The two passwords differ. Nothing was created.");
  return first;
}

/** Run a command: one line on failure, a non-zero exit, and every handle closed either way. */
export function runCli(command: string, main: () => Promise<void>): void {
  const finish = async (code: number) => {
    await closeDb().catch(() => {});
    await resetBcryptPool().catch(() => {});
    process.exit(code);
  };
  main().then(
    () => finish(0),
    (err: unknown) => {
      if (err instanceof CliError) {
        console.error(`[${command}] ${err.message}`);
        return finish(err.code);
      }
      // Unexpected: say what kind of failure without dumping data.
      console.error(`[${command}] failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      return finish(1);
    },
  );
}
