import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { EnvError, parseEnv, parseServerEnv } from "@/lib/env";

// lib/env.ts: the settings every part of Gatehouse reads, and the refusals
// that stop a production start on a weak configuration.

const STRONG_SECRET = "Zq8vN3kR7tW1xY5bC9dF2gH6jL4mP0sT8uV3wX7yA1cE5";
const PRODUCTION = {
  NODE_ENV: "production",
  DATABASE_URL: "postgresql://gatehouse@db.internal:5432/gatehouse",
  JWT_SECRET: STRONG_SECRET,
  SMTP_URL: "smtps://gatehouse:pw@smtp.example.com:465",
} as const;
const CLIENT_IP_UNKNOWN =
  "The client IP cannot be known: start with `npm start` (it preloads scripts/client-ip.cjs; " +
  "or NODE_OPTIONS='--require ./scripts/client-ip.cjs' next start), or behind a reverse proxy set " +
  "TRUST_PROXY_HEADER (and TRUST_PROXY_HOPS or TRUST_PROXY_CIDRS). Otherwise every client shares one rate limit.";
const EXAMPLE_SECRET = "replace-me-with-at-least-32-random-bytes-from-openssl-rand";

/** The problems parseEnv (or `parse`) refuses `raw` with (fails the test when it accepts it). */
function problemsOf(raw: NodeJS.ProcessEnv, parse = parseEnv): string[] {
  try {
    parse(raw, () => {});
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  throw new Error("parseEnv accepted the configuration");
}

describe("parseEnv in production", () => {
  it("accepts a strong secret with a database", () => {
    const env = parseEnv({ ...PRODUCTION }, () => {});
    expect(env).toMatchObject({ NODE_ENV: "production", JWT_SECRET: STRONG_SECRET, DATABASE_URL: PRODUCTION.DATABASE_URL });
  });

  it.each<[string, string | undefined, string]>([
    ["missing", undefined, "JWT_SECRET is missing"],
    ["empty", "", "JWT_SECRET is missing"],
    ['"secret"', "secret", "JWT_SECRET is too short (6 bytes; at least 32 are required)"],
    ['"changeme"', "changeme", "JWT_SECRET is too short (8 bytes; at least 32 are required)"],
    ["31 bytes", "Zq8vN3kR7tW1xY5bC9dF2gH6jL4mP0s", "JWT_SECRET is too short (31 bytes; at least 32 are required)"],
    // 15 two-byte characters: counted in bytes, not characters.
    ["30 bytes of 15 characters", "àáâãäåæçèéêëìíî", "JWT_SECRET is too short (30 bytes; at least 32 are required)"],
    ["the .env.example value", EXAMPLE_SECRET, "JWT_SECRET is a placeholder value (generate one with: openssl rand -base64 48)"],
    ['"changeme" padded to length', "changeme-changeme-changeme-changeme", "JWT_SECRET is a placeholder value (generate one with: openssl rand -base64 48)"],
    ['"secret" in capitals, repeated', "SECRET".repeat(6), "JWT_SECRET is a placeholder value (generate one with: openssl rand -base64 48)"],
    ["one character repeated", "a".repeat(64), "JWT_SECRET has too little entropy (too few distinct characters)"],
    ["two characters alternating", "ab".repeat(20), "JWT_SECRET has too little entropy (too few distinct characters)"],
    ["nine distinct characters", "123456789".repeat(4), "JWT_SECRET has too little entropy (too few distinct characters)"],
  ])("refuses a %s JWT_SECRET, naming the problem", (_what, secret, problem) => {
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: secret })).toEqual([problem]);
  });

  it("accepts the boundary cases: exactly 32 bytes, 10 distinct characters", () => {
    expect(parseEnv({ ...PRODUCTION, JWT_SECRET: "àáâãäåæçèéêëìíîï" }, () => {}).JWT_SECRET).toBe("àáâãäåæçèéêëìíîï");
    expect(parseEnv({ ...PRODUCTION, JWT_SECRET: "0123456789".repeat(4) }, () => {}).JWT_SECRET).toBe("0123456789".repeat(4));
  });

  it("throws EnvError, whose message lists the problem", () => {
    expect(() => parseEnv({ ...PRODUCTION, JWT_SECRET: "secret" }, () => {})).toThrow(EnvError);
    expect(() => parseEnv({ ...PRODUCTION, JWT_SECRET: "secret" }, () => {})).toThrow(
      "Invalid configuration:\n  - JWT_SECRET is too short",
    );
  });

  it("refuses to run without DATABASE_URL unless the embedded database is chosen on purpose", () => {
    const { DATABASE_URL: _omit, ...noDatabase } = PRODUCTION;
    expect(problemsOf(noDatabase)).toEqual([
      "DATABASE_URL: DATABASE_URL is required in production (set ALLOW_EMBEDDED_DB_IN_PRODUCTION=true to run on the embedded database on purpose)",
    ]);
    expect(problemsOf({ ...noDatabase, DATABASE_URL: "" })).toHaveLength(1);
    expect(problemsOf({ ...noDatabase, ALLOW_EMBEDDED_DB_IN_PRODUCTION: "false" })).toHaveLength(1);

    const env = parseEnv({ ...noDatabase, ALLOW_EMBEDDED_DB_IN_PRODUCTION: "true" }, () => {});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.ALLOW_EMBEDDED_DB_IN_PRODUCTION).toBe(true);
  });

  it("refuses to start a server without SMTP_URL (every sign-up would answer 503), with the other problems; scripts are not refused", () => {
    const serving = { ...PRODUCTION, GATEHOUSE_CLIENT_IP_PRELOAD: "1", SMTP_URL: undefined };
    const NO_SMTP =
      "SMTP_URL is required in production: without it no code, reset link or notice can be sent (e.g. smtps://user:pass@smtp.example.com:465)";
    expect(problemsOf(serving, parseServerEnv)).toEqual([NO_SMTP]);
    expect(problemsOf({ ...serving, SMTP_URL: "  " }, parseServerEnv)).toEqual([NO_SMTP]);
    expect(problemsOf({ ...serving, JWT_SECRET: "secret" }, parseServerEnv)).toEqual([
      "JWT_SECRET is too short (6 bytes; at least 32 are required)",
      NO_SMTP,
    ]);
    // The admin CLI and migrations send no mail; development uses the dev mailbox.
    expect(parseEnv(serving, () => {}).SMTP_URL).toBeUndefined();
    expect(parseServerEnv({ ...serving, NODE_ENV: "development" }, () => {}).SMTP_URL).toBeUndefined();
  });

  it("refuses to start when neither the client-ip preload nor a trusted proxy header says who the client is", () => {
    // A server started the way `npm start` does: scripts/client-ip.cjs sets GATEHOUSE_CLIENT_IP_PRELOAD=1.
    expect(parseServerEnv({ ...PRODUCTION, GATEHOUSE_CLIENT_IP_PRELOAD: "1" }, () => {}).NODE_ENV).toBe("production");
    // Plain `next start`: every client would be "unknown".
    expect(problemsOf(PRODUCTION, parseServerEnv)).toEqual([CLIENT_IP_UNKNOWN]);
    expect(problemsOf({ ...PRODUCTION, TRUST_PROXY_HEADER: " " }, parseServerEnv)).toEqual([CLIENT_IP_UNKNOWN]);
    expect(problemsOf({ ...PRODUCTION, GATEHOUSE_CLIENT_IP_PRELOAD: "true" }, parseServerEnv)).toEqual([CLIENT_IP_UNKNOWN]);
    // Reported together with the other problems, so one restart fixes everything.
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: "secret" }, parseServerEnv)).toEqual([
      "JWT_SECRET is too short (6 bytes; at least 32 are required)",
      CLIENT_IP_UNKNOWN,
    ]);
    expect(problemsOf({ ...PRODUCTION, BCRYPT_COST: "11" }, parseServerEnv)).toEqual([
      "BCRYPT_COST: BCRYPT_COST must be at least 12 in production",
      CLIENT_IP_UNKNOWN,
    ]);
    // A trusted proxy header is the other way to know the client; development never needs one.
    expect(parseServerEnv({ ...PRODUCTION, TRUST_PROXY_HEADER: "X-Forwarded-For" }, () => {}).TRUST_PROXY_HEADER).toBe("x-forwarded-for");
    expect(parseServerEnv({ ...PRODUCTION, NODE_ENV: "development" }, () => {}).NODE_ENV).toBe("development");
    // Scripts that serve no requests (admin CLI, migrations) are not refused for it.
    expect(parseEnv({ ...PRODUCTION }, () => {}).NODE_ENV).toBe("production");
  });

  it("refuses BCRYPT_COST below 12 (allowed in development, where tests use 4)", () => {
    expect(problemsOf({ ...PRODUCTION, BCRYPT_COST: "11" })).toEqual(["BCRYPT_COST: BCRYPT_COST must be at least 12 in production"]);
    expect(parseEnv({ ...PRODUCTION, BCRYPT_COST: "12" }, () => {}).BCRYPT_COST).toBe(12);
    expect(parseEnv({ ...PRODUCTION, NODE_ENV: "development", BCRYPT_COST: "4" }, () => {}).BCRYPT_COST).toBe(4);
  });
});

describe("parseEnv defaults", () => {
  const env = parseEnv({ NODE_ENV: "development", JWT_SECRET: STRONG_SECRET }, () => {});

  it("gives 15-minute access tokens, 7-day idle and 30-day absolute sessions, a 10 s grace window", () => {
    expect(env.ACCESS_TOKEN_TTL_SECONDS).toBe(15 * 60);
    expect(env.SESSION_IDLE_TTL_SECONDS).toBe(7 * 24 * 60 * 60);
    expect(env.SESSION_ABSOLUTE_TTL_SECONDS).toBe(30 * 24 * 60 * 60);
    expect(env.REFRESH_GRACE_SECONDS).toBe(10);
  });

  it("requires 15-character passwords and bcrypt cost 12", () => {
    expect(env.PASSWORD_MIN_LENGTH).toBe(15);
    expect(env.BCRYPT_COST).toBe(12);
  });

  it("derives APP_URL from PORT in development when it is unset (`npm run dev -- -p 4000` links to 4000), never in production", () => {
    const dev = { NODE_ENV: "development", JWT_SECRET: STRONG_SECRET } as const;
    expect(parseEnv(dev, () => {}).APP_URL).toBe("http://localhost:3000");
    expect(parseEnv({ ...dev, PORT: "4000" }, () => {})).toMatchObject({ APP_URL: "http://localhost:4000", JWT_ISSUER: "http://localhost:4000" });
    expect(parseEnv({ ...dev, PORT: "4000", APP_URL: "https://auth.example.com" }, () => {}).APP_URL).toBe("https://auth.example.com");
    expect(parseEnv({ ...PRODUCTION, PORT: "4000" }, () => {}).APP_URL).toBe("http://localhost:3000");
    expect(problemsOf({ ...dev, PORT: "70000" })).toEqual([expect.stringMatching(/^PORT: /)]);
  });

  it("derives the JWT issuer from APP_URL", () => {
    expect(env.JWT_ISSUER).toBe("http://localhost:3000");
    expect(parseEnv({ NODE_ENV: "development", JWT_SECRET: STRONG_SECRET, APP_URL: "https://auth.example.com/app" }, () => {}).JWT_ISSUER).toBe(
      "https://auth.example.com",
    );
  });

  it("leaves BCRYPT_WORKERS unset (one worker per core), takes 0-256, refuses anything else by name", () => {
    expect(env.BCRYPT_WORKERS).toBeUndefined();
    const dev = { NODE_ENV: "development", JWT_SECRET: STRONG_SECRET } as const;
    expect(parseEnv({ ...dev, BCRYPT_WORKERS: "" }, () => {}).BCRYPT_WORKERS).toBeUndefined();
    expect(parseEnv({ ...dev, BCRYPT_WORKERS: "0" }, () => {}).BCRYPT_WORKERS).toBe(0);
    expect(parseEnv({ ...dev, BCRYPT_WORKERS: " 3 " }, () => {}).BCRYPT_WORKERS).toBe(3);
    expect(parseEnv({ ...dev, BCRYPT_WORKERS: "256" }, () => {}).BCRYPT_WORKERS).toBe(256);
    for (const bad of ["-1", "two", "1.5", "257", "1000"]) {
      expect(problemsOf({ ...dev, BCRYPT_WORKERS: bad })).toEqual([
        "BCRYPT_WORKERS: BCRYPT_WORKERS must be a whole number from 0 to 256 (0 = bcrypt on the main thread)",
      ]);
    }
  });

  it("trusts one proxy hop by default, takes a CIDR list, refuses hops below 1 and malformed blocks by name", () => {
    const dev = { NODE_ENV: "development", JWT_SECRET: STRONG_SECRET } as const;
    expect(env.TRUST_PROXY_HOPS).toBe(1);
    expect(env.TRUST_PROXY_CIDRS).toEqual([]);
    expect(parseEnv({ ...dev, TRUST_PROXY_HOPS: "2" }, () => {}).TRUST_PROXY_HOPS).toBe(2);
    expect(parseEnv({ ...dev, TRUST_PROXY_CIDRS: " 10.0.0.0/8, 2001:db8::/32 ,192.0.2.1" }, () => {}).TRUST_PROXY_CIDRS.map((c) => c.prefix)).toEqual([
      8, 32, 32,
    ]);
    for (const bad of ["0", "-1", "1.5", "x"]) expect(problemsOf({ ...dev, TRUST_PROXY_HOPS: bad })).toHaveLength(1);
    expect(problemsOf({ ...dev, TRUST_PROXY_CIDRS: "10.0.0.0/8, 10.0.0.0/33, proxy.internal" })).toEqual([
      'TRUST_PROXY_CIDRS: "10.0.0.0/33" is not an address or CIDR block',
      'TRUST_PROXY_CIDRS: "proxy.internal" is not an address or CIDR block',
    ]);
  });

  it("leaves PASSWORD_QUEUE_MAX unset (8 per bcrypt worker) and refuses anything below 1", () => {
    const dev = { NODE_ENV: "development", JWT_SECRET: STRONG_SECRET } as const;
    expect(env.PASSWORD_QUEUE_MAX).toBeUndefined();
    expect(parseEnv({ ...dev, PASSWORD_QUEUE_MAX: "64" }, () => {}).PASSWORD_QUEUE_MAX).toBe(64);
    for (const bad of ["0", "-3", "many"]) expect(problemsOf({ ...dev, PASSWORD_QUEUE_MAX: bad })).toHaveLength(1);
  });

  it("refuses an idle lifetime longer than the absolute one", () => {
    expect(
      problemsOf({ NODE_ENV: "development", JWT_SECRET: STRONG_SECRET, SESSION_IDLE_TTL_SECONDS: "3600", SESSION_ABSOLUTE_TTL_SECONDS: "60" }),
    ).toEqual(["SESSION_IDLE_TTL_SECONDS: SESSION_IDLE_TTL_SECONDS cannot exceed SESSION_ABSOLUTE_TTL_SECONDS"]);
  });
});

describe("parseEnv in development without JWT_SECRET", () => {
  let dataDir: string;
  let savedDataDir: string | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "gatehouse-env-"));
    savedDataDir = process.env.GATEHOUSE_DATA_DIR;
    process.env.GATEHOUSE_DATA_DIR = dataDir;
  });

  afterEach(() => {
    if (savedDataDir === undefined) delete process.env.GATEHOUSE_DATA_DIR;
    else process.env.GATEHOUSE_DATA_DIR = savedDataDir;
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** lib/env.ts as a freshly started process sees it (DATA_DIR is read at import). */
  async function freshEnvModule(): Promise<typeof import("@/lib/env")> {
    let mod: typeof import("@/lib/env") | undefined;
    await jest.isolateModulesAsync(async () => {
      mod = await import("@/lib/env");
    });
    if (!mod) throw new Error("lib/env.ts did not load");
    return mod;
  }

  it("generates a strong secret under GATEHOUSE_DATA_DIR, says so once, and reuses it", async () => {
    const envModule = await freshEnvModule();
    expect(envModule.DATA_DIR).toBe(dataDir);
    const log = jest.fn((_msg: string) => {});

    const first = envModule.parseEnv({ NODE_ENV: "development" }, log);
    const file = path.join(dataDir, "dev-jwt-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first.JWT_SECRET);
    expect(envModule.secretProblem(first.JWT_SECRET)).toBeNull();
    expect(statSync(file).mode & 0o777).toBe(0o600); // readable by its owner only
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[0]).toMatch(/generated a development secret in .*dev-jwt-secret/);

    const second = envModule.parseEnv({ NODE_ENV: "development" }, log);
    expect(second.JWT_SECRET).toBe(first.JWT_SECRET);
    // After a restart, too.
    const restarted = (await freshEnvModule()).parseEnv({ NODE_ENV: "development" }, log);
    expect(restarted.JWT_SECRET).toBe(first.JWT_SECRET);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("never does so in production", async () => {
    const envModule = await freshEnvModule();
    const log = jest.fn((_msg: string) => {});
    expect(() => envModule.parseEnv({ ...PRODUCTION, JWT_SECRET: undefined }, log)).toThrow("JWT_SECRET is missing");
    expect(log).not.toHaveBeenCalled();
    expect(() => statSync(path.join(dataDir, "dev-jwt-secret"))).toThrow();
  });
});

describe(".env.example", () => {
  const example = readFileSync(path.resolve(__dirname, "../../.env.example"), "utf8");
  const lines = example.split("\n");
  // KEY=value lines, active or commented out.
  const assignments = lines
    .map((line, i) => ({ i, m: /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line) }))
    .filter((x): x is { i: number; m: RegExpExecArray } => x.m !== null);
  const documented = assignments.map((a) => a.m[2]);
  const active = Object.fromEntries(assignments.filter((a) => !a.m[1]).map((a) => [a.m[2], a.m[3]]));
  // Every key of lib/env.ts's zod schema, and every process.env.X it reads directly
  // (parsed output alone would miss optional settings that are absent).
  const envSource = readFileSync(path.resolve(__dirname, "../../lib/env.ts"), "utf8");
  const settings = [
    ...new Set([
      ...[...envSource.matchAll(/^ {4}([A-Z][A-Z0-9_]*): /gm)].map((m) => m[1]),
      ...[...envSource.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]),
    ]),
  ];

  it("finds the settings in lib/env.ts (every parsed key among them)", () => {
    const parsed = parseEnv({ NODE_ENV: "development", JWT_SECRET: STRONG_SECRET }, () => {});
    for (const key of Object.keys(parsed)) expect(settings).toContain(key);
    expect(settings).toEqual(expect.arrayContaining(["DATABASE_URL", "SMTP_URL", "TRUST_PROXY_HEADER", "GATEHOUSE_DATA_DIR"]));
  });

  it("documents every setting lib/env.ts reads, each once, with a comment above it", () => {
    for (const key of settings) expect(documented).toContain(key);
    expect(new Set(documented).size).toBe(documented.length);
    for (const { i, m } of assignments) {
      expect({ key: m[2], comment: lines[i - 1]?.startsWith("# ") ?? false }).toEqual({ key: m[2], comment: true });
    }
  });

  it("names no setting lib/env.ts does not know", () => {
    for (const key of documented) expect(settings).toContain(key);
  });

  it("ships a JWT_SECRET placeholder that production refuses", () => {
    expect(active.JWT_SECRET).toBe(EXAMPLE_SECRET);
    expect(problemsOf({ ...active, ...PRODUCTION, JWT_SECRET: active.JWT_SECRET })).toEqual([
      "JWT_SECRET is a placeholder value (generate one with: openssl rand -base64 48)",
    ]);
  });

  it("has example values that parse (once the secret is replaced)", () => {
    expect(() => parseEnv({ ...active, JWT_SECRET: STRONG_SECRET }, () => {})).not.toThrow();
    expect(() => parseEnv({ ...active, ...PRODUCTION }, () => {})).not.toThrow();
  });
});
