import { existsSync, readFileSync } from "node:fs";
import os from "node:os";

/** Expectations checked along the way; the script exits non-zero when any failed. */
export class Checks {
  private readonly results: { name: string; ok: boolean; detail: string }[] = [];

  check(name: string, ok: boolean, detail = ""): boolean {
    this.results.push({ name, ok, detail });
    console.log(`${ok ? "PASS" : "FAIL"}  ${name}${detail ? ` — ${detail}` : ""}`);
    return ok;
  }

  get failed(): number {
    return this.results.filter((r) => !r.ok).length;
  }

  summary(): void {
    console.log(`\n${this.results.length - this.failed} of ${this.results.length} expectations met.`);
    for (const r of this.results.filter((x) => !x.ok)) console.log(`  FAILED: ${r.name}${r.detail ? ` — ${r.detail}` : ""}`);
  }
}

/** The machine, for the results: cores, CPU model, Node, load average now. */
export function machine(): string {
  const cpuinfo = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? "unknown CPU";
  return `${os.availableParallelism()} cores (${model}), Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;
}

/** Run `main`, print what went wrong, always exit (keep-alive sockets would hold the process). */
export function run(main: () => Promise<number>, cleanup: () => Promise<void> = async () => {}): void {
  let exiting = false;
  const finish = (code: number) => {
    if (exiting) return;
    exiting = true;
    const timer = setTimeout(() => process.exit(code), 20_000);
    void cleanup()
      .catch((err: unknown) => console.error("cleanup failed:", err))
      .finally(() => {
        clearTimeout(timer);
        process.exit(code);
      });
  };
  const fail = (err: unknown) => {
    console.error(err);
    finish(1);
  };
  process.on("unhandledRejection", fail);
  process.on("uncaughtException", fail);
  process.once("SIGINT", () => fail(new Error("Interrupted")));
  process.once("SIGTERM", () => fail(new Error("Terminated")));
  main().then((failures) => finish(failures > 0 ? 1 : 0), fail);
}

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (ms) a process has used so far, its threads (bcrypt workers) included. */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * CLOCK_TICK_MS;
  } catch {
    return NaN;
  }
}

/** CPU time (ms) of the machine so far, all processes: busy and total. */
export function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) * CLOCK_TICK_MS, total: total * CLOCK_TICK_MS };
}
