import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { defaultAppUrl } from "./auth/constants";
import { parseCidr, type Cidr } from "./validation/ip";

/**
 * Every setting Gatehouse reads, parsed once with zod. `.env.example` documents
 * each one. In production a weak or missing signing secret stops the start.
 */

// Values that must never be used as a signing secret, whatever their length.
export const PLACEHOLDER_SECRETS = [
  "secret",
  "changeme",
  "change-me",
  "password",
  "jwt_secret",
  "your-secret-here",
  // The value shipped in .env.example:
  "replace-me-with-at-least-32-random-bytes-from-openssl-rand",
];

export const DATA_DIR = path.resolve(/*turbopackIgnore: true*/ process.cwd(), process.env.GATEHOUSE_DATA_DIR ?? ".data");

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no", ""])
  .transform((v) => v === "true" || v === "1" || v === "yes");

function isEd25519Jwk(raw: string | Record<string, unknown>, needPrivate: boolean): boolean {
  try {
    const jwk = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
    return jwk.kty === "OKP" && jwk.crv === "Ed25519" && typeof jwk.x === "string" && (!needPrivate || typeof jwk.d === "string");
  } catch {
    return false;
  }
}
function isJwkArray(raw: string): boolean {
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) && list.every((k) => typeof k === "object" && k !== null && isEd25519Jwk(k as Record<string, unknown>, false));
  } catch {
    return false;
  }
}

const BCRYPT_WORKERS_RANGE = "BCRYPT_WORKERS must be a whole number from 0 to 256 (0 = bcrypt on the main thread)";

const seconds = (def: number) => z.coerce.number().int().positive().default(def);

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    // Unset: http://localhost:<PORT> outside production (defaultAppUrl, filled in by parseEnv).
    APP_URL: z.url().default("http://localhost:3000"),
    // The port `next dev`/`next start` listen on (`-p` sets it too); only used to derive APP_URL in development.
    PORT: z.coerce.number().int().min(1).max(65_535).optional(),
    APP_NAME: z.string().min(1).max(60).default("Gatehouse"),

    DATABASE_URL: z.string().optional().transform((v) => (v ? v : undefined)),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_PREPARED_STATEMENTS: z.coerce.number().int().min(0).max(10_000).default(500),
    EMBEDDED_DB_DIR: z.string().default(path.join(DATA_DIR, "pglite")),
    ALLOW_EMBEDDED_DB_IN_PRODUCTION: bool.default(false),

    JWT_SECRET: z.string().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_SIGNING_KEY: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined))
      .refine((v) => v === undefined || isEd25519Jwk(v, true), "JWT_SIGNING_KEY must be a private Ed25519 JWK (npm run keys:generate)"),
    JWT_VERIFY_KEYS: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim() : undefined))
      .refine((v) => v === undefined || isJwkArray(v), "JWT_VERIFY_KEYS must be a JSON array of public Ed25519 JWKs"),
    // With JWT_SIGNING_KEY set, HS256 tokens (JWT_SECRET) are refused unless this is on: a switch for
    // the migration to EdDSA only (tokens signed before it live 15 minutes), read by lib/auth/jwt.ts.
    JWT_ACCEPT_HS256: bool.default(false),
    JWT_AUDIENCE: z.string().default("gatehouse"),
    ACCESS_TOKEN_TTL_SECONDS: seconds(15 * 60),
    JWT_CLOCK_LEEWAY_SECONDS: z.coerce.number().int().min(0).max(30).default(30),
    SESSION_IDLE_TTL_SECONDS: seconds(7 * 24 * 3600),
    SESSION_ABSOLUTE_TTL_SECONDS: seconds(30 * 24 * 3600),
    REFRESH_GRACE_SECONDS: z.coerce.number().int().min(0).max(10).default(10),

    BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
    // Worker threads for bcrypt; unset = one per core, 0 = on the main thread (lib/auth/password-pool.ts).
    BCRYPT_WORKERS: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? Number(v.trim()) : undefined))
      .pipe(
        z
          .number({ error: BCRYPT_WORKERS_RANGE })
          .int(BCRYPT_WORKERS_RANGE)
          .min(0, BCRYPT_WORKERS_RANGE)
          .max(256, BCRYPT_WORKERS_RANGE)
          .optional(),
      ),
    // bcrypt tasks (queued + running) one process accepts at a time; beyond it a credential
    // request is answered "busy" (503 + Retry-After) at once. Unset: 8 per worker thread.
    PASSWORD_QUEUE_MAX: z.coerce.number().int().min(1).max(10_000).optional(),
    PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(64).default(15),

    SMTP_URL: z.string().optional().transform((v) => (v ? v : undefined)),
    MAIL_FROM: z.string().default("Gatehouse <no-reply@localhost>"),

    TRUST_PROXY_HEADER: z
      .string()
      .optional()
      .transform((v) => (v?.trim() ? v.trim().toLowerCase() : undefined)),
    // Proxies that append to TRUST_PROXY_HEADER: the client is the hops-th entry from the right
    // (1 = the right-most), never the left-most, which the client writes (lib/auth/client-ip.ts).
    TRUST_PROXY_HOPS: z.coerce.number().int().min(1).max(20).default(1),
    // The proxies' own addresses or blocks; when set, entries from the right that fall inside
    // them are skipped instead of counting hops, and the header is read only from those peers.
    TRUST_PROXY_CIDRS: z
      .string()
      .default("")
      .transform((v, ctx): Cidr[] => {
        const out: Cidr[] = [];
        for (const entry of v.split(",").map((s) => s.trim()).filter(Boolean)) {
          const cidr = parseCidr(entry);
          if (cidr) out.push(cidr);
          else ctx.addIssue({ code: "custom", message: `"${entry.slice(0, 60)}" is not an address or CIDR block` });
        }
        return out;
      }),
    PASSWORD_GRANT_ENABLED: bool.default(true),
    CORS_ORIGINS: z
      .string()
      .default("")
      .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean)),
    // Audit events older than this many days are deleted by the app itself (lib/data/maintenance.ts).
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") {
      if (!env.DATABASE_URL && !env.ALLOW_EMBEDDED_DB_IN_PRODUCTION) {
        ctx.addIssue({
          code: "custom",
          path: ["DATABASE_URL"],
          message:
            "DATABASE_URL is required in production (set ALLOW_EMBEDDED_DB_IN_PRODUCTION=true to run on the embedded database on purpose)",
        });
      }
      if (env.BCRYPT_COST < 12) {
        ctx.addIssue({ code: "custom", path: ["BCRYPT_COST"], message: "BCRYPT_COST must be at least 12 in production" });
      }
    }
    if (env.SESSION_IDLE_TTL_SECONDS > env.SESSION_ABSOLUTE_TTL_SECONDS) {
      ctx.addIssue({
        code: "custom",
        path: ["SESSION_IDLE_TTL_SECONDS"],
        message: "SESSION_IDLE_TTL_SECONDS cannot exceed SESSION_ABSOLUTE_TTL_SECONDS",
      });
    }
  });

export type Env = z.infer<typeof envSchema> & { JWT_SECRET: string; JWT_ISSUER: string };

export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Why a signing secret is unacceptable, or null when it is fine. */
export function secretProblem(secret: string | undefined): string | null {
  if (!secret) return "JWT_SECRET is missing";
  const bytes = Buffer.byteLength(secret, "utf8");
  if (bytes < 32) return `JWT_SECRET is too short (${bytes} bytes; at least 32 are required)`;
  const lowered = secret.toLowerCase();
  if (PLACEHOLDER_SECRETS.some((p) => lowered === p || lowered.includes(p))) {
    return "JWT_SECRET is a placeholder value (generate one with: openssl rand -base64 48)";
  }
  // Low entropy: few distinct characters ("aaaa…", "abababab…").
  if (new Set(secret).size < 10) return "JWT_SECRET has too little entropy (too few distinct characters)";
  return null;
}

/**
 * Why a production server cannot tell its clients apart, or null. Without the
 * preload (scripts/client-ip.cjs, which `npm start` loads and which sets
 * GATEHOUSE_CLIENT_IP_PRELOAD=1) and without a trusted proxy header, every
 * client is "unknown" and one client's requests spend everyone's per-IP limits.
 */
export function clientIpProblem(raw: NodeJS.ProcessEnv): string | null {
  if (raw.NODE_ENV !== "production" || raw.TRUST_PROXY_HEADER?.trim() || raw.GATEHOUSE_CLIENT_IP_PRELOAD === "1") return null;
  return (
    "The client IP cannot be known: start with `npm start` (it preloads scripts/client-ip.cjs; " +
    "or NODE_OPTIONS='--require ./scripts/client-ip.cjs' next start), or behind a reverse proxy set " +
    "TRUST_PROXY_HEADER (and TRUST_PROXY_HOPS or TRUST_PROXY_CIDRS). Otherwise every client shares one rate limit."
  );
}

/**
 * Why a production server could not send a single mail, or null. Without
 * SMTP_URL every sign-up, code and reset answers 503: refuse the start instead
 * of running "healthy" and failing each person. (The admin CLI and migrations
 * send no mail and are not refused.)
 */
export function smtpProblem(raw: NodeJS.ProcessEnv): string | null {
  if (raw.NODE_ENV !== "production" || raw.SMTP_URL?.trim()) return null;
  return "SMTP_URL is required in production: without it no code, reset link or notice can be sent (e.g. smtps://user:pass@smtp.example.com:465)";
}

/** Development only: a random secret kept under .data/ so sessions survive restarts. */
function developmentSecret(log: (msg: string) => void): string {
  const file = path.join(DATA_DIR, "dev-jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(DATA_DIR, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600 });
  log(`[gatehouse] No JWT_SECRET set: generated a development secret in ${path.relative(process.cwd(), file)}`);
  return secret;
}

/** Parse a raw environment. Pure apart from the development secret file. */
export function parseEnv(raw: NodeJS.ProcessEnv, log: (msg: string) => void = console.warn): Env {
  const parsed = envSchema.safeParse(raw.APP_URL === undefined ? { ...raw, APP_URL: defaultAppUrl(raw) } : raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`);
    // Report a bad secret in the same breath, so one restart fixes everything.
    const secretIssue = raw.NODE_ENV === "production" || raw.JWT_SECRET ? secretProblem(raw.JWT_SECRET) : null;
    if (secretIssue) problems.push(secretIssue);
    throw new EnvError(problems);
  }
  const env = parsed.data;
  let secret = env.JWT_SECRET;
  if (!secret && env.NODE_ENV !== "production") {
    secret = env.NODE_ENV === "test" ? randomBytes(48).toString("base64url") : developmentSecret(log);
  }
  const problem = secretProblem(secret);
  if (problem) throw new EnvError([problem]);
  return { ...env, JWT_SECRET: secret!, JWT_ISSUER: env.JWT_ISSUER ?? new URL(env.APP_URL).origin };
}

let cached: Env | undefined;

/** The parsed settings of this process, read once. */
export function getEnv(): Env {
  if (!cached) {
    cached = parseEnv(process.env);
    // The edge middleware cannot read .data/; share the secret through process.env.
    process.env.JWT_SECRET = cached.JWT_SECRET;
  }
  return cached;
}

/** The server rules on top of `parse`, every problem reported at once (one restart fixes everything). */
function withServerRules(raw: NodeJS.ProcessEnv, parse: () => Env): Env {
  const serverIssues = [clientIpProblem(raw), smtpProblem(raw)].filter((p): p is string => p !== null);
  let env: Env;
  try {
    env = parse();
  } catch (err) {
    if (err instanceof EnvError && serverIssues.length) throw new EnvError([...err.problems, ...serverIssues]);
    throw err;
  }
  if (serverIssues.length) throw new EnvError(serverIssues);
  return env;
}

/**
 * parseEnv plus the rules only a process that serves requests needs (it must
 * know its clients' addresses). Scripts that serve nothing (admin CLI,
 * migrations) use parseEnv / getEnv and are not refused for it.
 */
export function parseServerEnv(raw: NodeJS.ProcessEnv, log: (msg: string) => void = console.warn): Env {
  return withServerRules(raw, () => parseEnv(raw, log));
}

/** getEnv for the server start (next.config.ts): a weak configuration stops it with every problem named. */
export function getServerEnv(): Env {
  return withServerRules(process.env, getEnv);
}

/** Tests only: forget the cached settings after changing process.env. */
export function resetEnvForTests(): void {
  cached = undefined;
}
