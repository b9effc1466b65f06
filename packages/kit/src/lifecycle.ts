import type { Logger } from "pino";
import { ConfigError } from "./errors";

/** Releases one resource; called in reverse order of registration. */
export type Closer = () => Promise<void> | void;

/** Collects closers and runs them once, on demand or on SIGINT/SIGTERM. */
export class Lifecycle {
  private readonly closers: { name: string; close: Closer }[] = [];
  private closing: Promise<void> | null = null;

  constructor(private readonly logger: Logger) {}

  /** Registers a resource to release on shutdown. */
  onShutdown(name: string, close: Closer): void {
    this.closers.push({ name, close });
  }

  /** Releases every resource, newest first; safe to call more than once. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      for (const { name, close } of [...this.closers].reverse()) {
        try {
          await close();
        } catch (error) {
          this.logger.error({ err: error, resource: name }, "error while closing");
        }
      }
    })();
    return this.closing;
  }

  /** Shuts down and exits on SIGINT/SIGTERM; exits non-zero if draining exceeds `timeoutMs`. */
  exitOnSignals(timeoutMs = 10_000): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info({ signal }, "draining");
      setTimeout(() => {
        this.logger.error("drain timed out");
        process.exit(1);
      }, timeoutMs).unref();
      void this.shutdown().then(() => process.exit(0));
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  }
}

/** Prints why start-up failed (a config error's hints, or the error) and exits 1. */
export function exitWithStartupError(service: string, error: unknown): never {
  const message =
    error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`${service}: cannot start.\n${message}\n`);
  process.exit(1);
}
