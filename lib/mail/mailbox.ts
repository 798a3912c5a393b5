import "server-only";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { DATA_DIR } from "../env";

/**
 * The development mailbox: one JSON file per mail under `${DATA_DIR}/mailbox/`,
 * so `npm run dev` needs no SMTP server and the /dev/mailbox page (and tests)
 * can read what was "sent". Never used in production (see transport.ts).
 */

const devMailSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  createdAt: z.string(),
});

export type DevMail = z.infer<typeof devMailSchema>;

// Ids start with the zero-padded send time, so file names sort by age. The
// pattern also keeps an id taken from a URL from ever naming another file.
const ID_PATTERN = /^\d{13}-[0-9a-f]{8}$/;

/** Where the dev mailbox lives. */
export function devMailboxDir(): string {
  return path.join(DATA_DIR, "mailbox");
}

// Strictly increasing per process: mails sent within one millisecond still
// list in the order they were sent.
let lastMs = 0;

/** Store one mail in the dev mailbox (transport.ts calls this). */
export async function storeDevMail(mail: Omit<DevMail, "id" | "createdAt">): Promise<DevMail> {
  const ms = Math.max(Date.now(), lastMs + 1);
  lastMs = ms;
  const id = `${String(ms).padStart(13, "0")}-${randomBytes(4).toString("hex")}`;
  const stored: DevMail = {
    id,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    createdAt: new Date(ms).toISOString(),
  };
  const dir = devMailboxDir();
  // Owner-only: the files hold sign-in codes and reset links.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${id}.json`);
  // Write then rename, so a reader never sees half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return stored;
}

async function mailIds(): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(devMailboxDir());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .filter((n) => n.endsWith(".json"))
    .map((n) => n.slice(0, -".json".length))
    .filter((id) => ID_PATTERN.test(id));
}

async function readMail(id: string): Promise<DevMail | null> {
  try {
    const parsed = devMailSchema.safeParse(JSON.parse(await readFile(path.join(devMailboxDir(), `${id}.json`), "utf8")));
    return parsed.success && parsed.data.id === id ? parsed.data : null;
  } catch {
    // Deleted meanwhile or not ours: a dev tool should list what it can.
    return null;
  }
}

/** The stored mails, newest first (at most `limit`). */
export async function listDevMails(limit = 200): Promise<DevMail[]> {
  const ids = (await mailIds()).sort().reverse().slice(0, limit);
  const mails = await Promise.all(ids.map(readMail));
  return mails.filter((m): m is DevMail => m !== null);
}

/** One stored mail, or null when there is none with that id. */
export async function getDevMail(id: string): Promise<DevMail | null> {
  if (!ID_PATTERN.test(id)) return null;
  return readMail(id);
}

/** Delete every stored mail; returns how many were deleted. */
export async function clearDevMails(): Promise<number> {
  const ids = await mailIds();
  await Promise.all(ids.map((id) => rm(path.join(devMailboxDir(), `${id}.json`), { force: true })));
  return ids.length;
}
