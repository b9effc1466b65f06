import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths that may hold credentials; pino replaces their values before anything is written.
 * pino matches exact paths (`*` is one level), so each place a credential travels is listed:
 * the `Authorization` and `Cookie` headers, the signed identity assertion (`rampart-identity`),
 * graphql-ws `connectionParams`, second-factor codes and GraphQL variables as a whole.
 */
const redactedPaths = [
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "cookie",
  "*.cookie",
  "headers.cookie",
  "*.headers.cookie",
  "req.headers.cookie",
  `headers["set-cookie"]`,
  `*.headers["set-cookie"]`,
  `headers["rampart-identity"]`,
  `*.headers["rampart-identity"]`,
  `req.headers["rampart-identity"]`,
  `["rampart-identity"]`,
  "connectionParams",
  "*.connectionParams",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "code",
  "*.code",
  "totp",
  "*.totp",
  "totpCode",
  "*.totpCode",
  "backupCode",
  "*.backupCode",
  "backupCodes",
  "*.backupCodes",
  "variables",
  "*.variables",
];

/** Most log bytes kept waiting for a slow reader of standard output. */
export const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Process name, added to every line (`service`). */
  service: string;
  /** pino level. Default `info`. */
  level?: string;
  /**
   * Where lines go. Default standard output, written asynchronously: lines logged while a
   * write is in flight go out together in the next one (pino flushes what is left when the
   * process exits). Past {@link MAX_BUFFERED_LOG_BYTES} waiting (a stalled reader), lines are
   * dropped rather than memory grown.
   * Tests pass a stream to read them.
   */
  destination?: DestinationStream;
}

/** Structured JSON logger that never writes a credential. */
export function createLogger({ service, level = "info", destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES }),
  );
}

/**
 * A child logger for lines whose fields are fixed and never hold a credential (the access
 * log): it skips the redaction pass, which costs more than writing such a line.
 */
export function fixedFieldLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] });
}
