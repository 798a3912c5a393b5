import http from "node:http";

/**
 * The load generator's HTTP client: keep-alive over loopback with APP_URL's
 * Host header, and every answer counted by route and status (status 0 = no
 * answer at all: refused or reset connection).
 */

export type Answer = {
  route: string;
  status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: Record<string, unknown> | undefined;
  text: string;
  contentType: string;
  /** performance.now() when the request was sent and when the answer ended. */
  started: number;
  ended: number;
  /** The socket error when there was no answer. */
  error?: string;
};

export type CallOptions = {
  /** The client address the app is told about (X-Forwarded-For; TRUST_PROXY_HEADER). */
  ip: string;
  json?: unknown;
  form?: Record<string, string>;
  bearer?: string;
  headers?: Record<string, string>;
  /** Name in the report, when the path alone does not tell (the token endpoint's grants). */
  label?: string;
};

export class Stats {
  readonly answers: Answer[] = [];
  record(a: Answer): void {
    this.answers.push(a);
  }
  /** route → status → count */
  byRouteStatus(): Map<string, Map<number, number>> {
    const out = new Map<string, Map<number, number>>();
    for (const a of this.answers) {
      const m = out.get(a.route) ?? new Map<number, number>();
      m.set(a.status, (m.get(a.status) ?? 0) + 1);
      out.set(a.route, m);
    }
    return out;
  }
  serverErrors(): Answer[] {
    return this.answers.filter((a) => a.status >= 500);
  }
}

export class Api {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  constructor(
    private readonly port: number,
    private readonly host: string,
    readonly stats: Stats,
  ) {}

  async call(method: string, path: string, opts: CallOptions): Promise<Answer> {
    const route = `${method} ${path.split("?")[0]}${opts.label ? ` (${opts.label})` : ""}`;
    const headers: Record<string, string> = { host: this.host, "x-forwarded-for": opts.ip, ...opts.headers };
    let body: string | undefined;
    if (opts.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(opts.form).toString();
    }
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    const started = performance.now();
    let answer: Answer;
    try {
      answer = await this.send(method, path, headers, body, route, started);
    } catch (err) {
      // A kept-alive socket the server closed while idle fails on reuse: send again.
      if ((err as { reusedSocket?: boolean }).reusedSocket) {
        try {
          answer = await this.send(method, path, headers, body, route, started);
        } catch (again) {
          answer = noAnswer(route, started, again);
        }
      } else {
        answer = noAnswer(route, started, err);
      }
    }
    this.stats.record(answer);
    return answer;
  }

  private send(method: string, path: string, headers: Record<string, string>, body: string | undefined, route: string, started: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request({ agent: this.agent, host: "127.0.0.1", port: this.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const contentType = String(res.headers["content-type"] ?? "");
          let json: Record<string, unknown> | undefined;
          if (contentType.includes("json")) {
            try {
              json = JSON.parse(text) as Record<string, unknown>;
            } catch {
              json = undefined;
            }
          }
          resolve({ route, status: res.statusCode ?? 0, json, text, contentType, started, ended: performance.now() });
        });
      });
      req.on("error", (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET" })));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function noAnswer(route: string, started: number, err: unknown): Answer {
  const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  return { route, status: 0, json: undefined, text: "", contentType: "", started, ended: performance.now(), error: code };
}

/** A distinct client address per number: 10.x.y.z. */
export function clientIp(n: number): string {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Is this the app's error shape? `{ error: "<kebab-code>", message }` on the API,
 * `{ error: "<snake_code>", error_description }` on the RFC 6749 endpoints.
 */
export function isErrorShape(a: Answer, expectCode?: string): boolean {
  const j = a.json;
  if (!j || typeof j.error !== "string") return false;
  if (expectCode !== undefined && j.error !== expectCode) return false;
  return typeof j.message === "string" || typeof j.error_description === "string";
}

/** Print rows as a Markdown table. */
export function table(headers: string[], rows: (string | number)[][]): void {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  console.log([line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n"));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Route × status counts, with latency percentiles per route. */
export function printRouteTable(stats: Stats): void {
  const statuses = [...new Set(stats.answers.map((a) => a.status))].sort((a, b) => a - b);
  const rows: (string | number)[][] = [];
  for (const [route, byStatus] of [...stats.byRouteStatus()].sort()) {
    const lat = stats.answers
      .filter((a) => a.route === route && a.status !== 0)
      .map((a) => a.ended - a.started)
      .sort((x, y) => x - y);
    rows.push([
      route,
      ...statuses.map((s) => byStatus.get(s) ?? 0),
      [...byStatus.values()].reduce((x, y) => x + y, 0),
      Math.round(percentile(lat, 50)),
      Math.round(percentile(lat, 95)),
      Math.round(percentile(lat, 99)),
    ]);
  }
  table(["route", ...statuses.map((s) => (s === 0 ? "no answer" : String(s))), "total", "p50 ms", "p95 ms", "p99 ms"], rows);
}
