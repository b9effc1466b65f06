import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/** Paths that may hold credentials; pino replaces their values before anything is written. */
const redactedPaths = [
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  `req.headers["rampart-identity"]`,
  "secret",
  "*.secret",
  "code",
  "*.code",
];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Process name, added to every line (`service`). */
  service: string;
  /** pino level. Default `info`. */
  level?: string;
}

/** Structured JSON logger that never writes a credential. */
export function createLogger({ service, level = "info" }: LoggerOptions): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
