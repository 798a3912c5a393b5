import { spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../e2e/helpers/server";

/**
 * A private PostgreSQL cluster for the fault tests, which stop and start the
 * database under the app: the machine's shared PostgreSQL on 5432 is never
 * touched. Debian's binaries run as the `postgres` user (the server refuses
 * root) on a temp data dir under /tmp, trust auth, loopback only. fsync is off
 * (only an OS crash would lose data); synchronous_commit stays on: with it off,
 * an immediate stop loses commits the app was already told about (a rotated
 * refresh token the client holds but the database forgot), which is a property
 * of that setting, not of the app.
 */

const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

export type PgCluster = {
  port: number;
  dataDir: string;
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** `pg_ctl stop -m immediate`: backends die at once, like a crash or a pulled cable. */
  stop(mode?: "immediate" | "fast"): void;
  /** Start again on the same port and data dir; returns when it accepts connections. */
  start(): void;
  /** Stop (if running) and delete the data dir. Safe to call twice. */
  destroy(): void;
  log(): string;
};

function asPostgres(args: string[]): void {
  const r = spawnSync("runuser", ["-u", "postgres", "--", ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new Error(`No ${name} user on this machine`);
  return { uid: Number(uid), gid: Number(gid) };
}

const alive = new Set<PgCluster>();

// However the script ends (exception, process.exit, Ctrl-C), no cluster stays behind.
process.once("exit", () => {
  for (const c of alive) c.destroy();
});

export async function startPgCluster(): Promise<PgCluster> {
  const port = await freePort();
  const root = mkdtempSync(path.join(os.tmpdir(), "gh-load-pg-"));
  const dataDir = path.join(root, "data");
  const logFile = path.join(root, "server.log");
  const { uid, gid } = userIds("postgres");
  chownSync(root, uid, gid);
  asPostgres([`${BIN}/initdb`, "-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let running = false;
  let destroyed = false;
  const cluster: PgCluster = {
    port,
    dataDir,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop(mode = "immediate") {
      if (!running) return;
      asPostgres([`${BIN}/pg_ctl`, "-D", dataDir, "-m", mode, "-w", "stop"]);
      running = false;
    },
    start() {
      if (running) return;
      asPostgres([`${BIN}/pg_ctl`, "-D", dataDir, "-l", logFile, "-o", opts, "-w", "-t", "60", "start"]);
      running = true;
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      alive.delete(cluster);
      try {
        if (running) asPostgres([`${BIN}/pg_ctl`, "-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already gone
      }
      running = false;
      rmSync(root, { recursive: true, force: true });
    },
    log: () => {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "";
      }
    },
  };
  alive.add(cluster);
  cluster.start();
  return cluster;
}
