import pino, { type Logger } from "pino";

/**
 * Structured JSON logs (pino). Secrets never reach a log line: the redaction
 * list censors every field that could hold a password, code, token or cookie,
 * wherever it sits in the object, and audit events are mirrored here with the
 * same escaping as the database copy.
 */
export const REDACT_PATHS = [
  "password",
  "currentPassword",
  "newPassword",
  "code",
  "token",
  "refreshToken",
  "refresh_token",
  "accessToken",
  "access_token",
  "authorization",
  "cookie",
  "set-cookie",
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.code",
  "*.token",
  "*.refreshToken",
  "*.refresh_token",
  "*.accessToken",
  "*.access_token",
  "*.authorization",
  "*.cookie",
  "*.set-cookie",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
];

const globalForLog = globalThis as unknown as { __gatehouseLog?: Logger };

export function createLogger(destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: process.env.LOG_LEVEL || "info",
      base: { app: "gatehouse" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/** The process-wide logger. */
export function log(): Logger {
  globalForLog.__gatehouseLog ??= createLogger();
  return globalForLog.__gatehouseLog;
}
