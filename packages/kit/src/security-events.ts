import { randomUUID } from "node:crypto";
import path from "node:path";
import { boundOptionalText, boundText } from "./event-text";
import type { Logger } from "./logger";
import { SecurityEventSpool } from "./security-event-spool";
import {
  SECURITY_EVENT_STREAM,
  type SecurityEvent,
  type SecurityEventInput,
  type SecuritySeverity,
} from "./security-event-types";
import type { EventStream } from "./stores/types";

export {
  SECURITY_EVENT_STREAM,
  type SecurityEvent,
  type SecurityEventInput,
  type SecuritySeverity,
} from "./security-event-types";

/**
 * Longest text the recorder writes in an event's reason, and in each of its other string fields,
 * in UTF-16 units. Refusals are cut much shorter by their sink (see ./refusal-events.ts); these
 * limits hold for every event, whoever records it, so no entry of the stream is unbounded.
 */
export const SECURITY_EVENT_TEXT_LIMITS = { reason: 2_048, other: 256 } as const;

/** The event with every string field cleaned and cut to {@link SECURITY_EVENT_TEXT_LIMITS}. */
export function boundSecurityEvent(event: SecurityEvent): SecurityEvent {
  const { reason, other } = SECURITY_EVENT_TEXT_LIMITS;
  return {
    id: boundText(event.id, other),
    type: boundText(event.type, other),
    severity: boundText(event.severity, other) as SecuritySeverity,
    actorId: boundOptionalText(event.actorId, other),
    organizationId: boundOptionalText(event.organizationId, other),
    ip: boundOptionalText(event.ip, other),
    reason: boundText(event.reason, reason),
    requestId: boundOptionalText(event.requestId, other),
    occurredAt: boundText(event.occurredAt, other),
  };
}

/** Stale records the spool may hold before a drain rewrites it to what is still buffered. */
const SPOOL_STALE_RECORDS = 1_000;

/** Events a long-running process keeps in memory while the event stream is down. */
export const SECURITY_EVENT_BUFFER = 100_000;

/** Options for {@link SecurityEventRecorder}. */
export interface SecurityEventRecorderOptions {
  /** Approximate cap on the stream's length; consumers persist events long before this. Default 1,000,000. */
  maxLength?: number;
  /**
   * Events kept in memory while the stream is unreachable (Redis down), appended in order once
   * it is back. 0 makes `record` throw instead (a CLI, which exits). Default 0.
   */
  bufferLimit?: number;
  /**
   * Keeps the buffered events in a file too, so that a process stopped or killed during an
   * outage loses none: the next one appends them ({@link SecurityEventRecorder.recover}).
   */
  spool?: SecurityEventSpool;
  /**
   * Told when an outage starts (the first event buffered), when an event is dropped (the
   * buffer being full), and once per outage when the spool cannot be written (events are then
   * buffered in memory only).
   */
  onBufferProblem?(problem: {
    kind: "buffered" | "dropped" | "not spooled";
    error: unknown;
    pending: number;
  }): void;
  /** First retry delay in ms, doubling to 5 s. Default 100. */
  retryInitialMs?: number;
}

/**
 * Appends security events to the shared event stream. With a buffer, an outage of the stream
 * loses no event a running process recorded: later events queue behind the buffered ones, so
 * the stream keeps each process's order. With a spool as well, neither does a process that
 * stops or dies during the outage: its successor appends what it left.
 */
export class SecurityEventRecorder {
  readonly #events: EventStream;
  readonly #maxLength: number;
  readonly #bufferLimit: number;
  readonly #options: SecurityEventRecorderOptions;
  readonly #buffer: SecurityEvent[] = [];
  /** Recovered events still at the front of the buffer: they do not count against its limit. */
  #recoveredLeft = 0;
  /** False once the spool failed in this outage (reported once, not per event). */
  #spooling = true;
  /** Records in this process's spool file, some maybe appended already. */
  #spooled = 0;
  #flushing: Promise<void> | null = null;

  constructor(events: EventStream, options: SecurityEventRecorderOptions = {}) {
    this.#events = events;
    this.#maxLength = options.maxLength ?? 1_000_000;
    this.#bufferLimit = options.bufferLimit ?? 0;
    this.#options = options;
  }

  /** Events waiting for the stream to come back. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Records one event and returns it; buffered (not thrown) when the stream is down and a buffer is set. */
  async record(input: SecurityEventInput): Promise<SecurityEvent> {
    // Field by field, so that nothing a caller adds beyond the event's shape reaches the stream.
    const event = boundSecurityEvent({
      ...input,
      id: input.id ?? randomUUID(),
      occurredAt: input.occurredAt ?? new Date().toISOString(),
    });
    if (this.#buffer.length > 0) {
      this.#enqueue(event, new Error("earlier events are still buffered"));
      return event;
    }
    try {
      await this.#append(event);
    } catch (error) {
      if (this.#bufferLimit === 0) throw error;
      this.#enqueue(event, error);
    }
    return event;
  }

  /**
   * Appends, ahead of anything recorded later, the events that earlier processes of this
   * service left in the spool; returns how many. Call once, at start.
   */
  recover(): number {
    if (this.#buffer.length > 0) throw new Error("recover() runs before anything is buffered");
    const events = this.#options.spool?.recover() ?? [];
    if (events.length === 0) return 0;
    this.#buffer.push(...events);
    this.#recoveredLeft = events.length;
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = null));
    return events.length;
  }

  /** Resolves when the buffer is empty (or at once when it is). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #append(event: SecurityEvent): Promise<string> {
    return this.#events.append(
      SECURITY_EVENT_STREAM,
      { event: JSON.stringify(event) },
      { maxLength: this.#maxLength },
    );
  }

  #enqueue(event: SecurityEvent, error: unknown): void {
    if (this.#buffer.length - this.#recoveredLeft >= this.#bufferLimit) {
      this.#options.onBufferProblem?.({ kind: "dropped", error, pending: this.#buffer.length });
      return;
    }
    this.#buffer.push(event);
    if (this.#buffer.length === 1) {
      this.#options.onBufferProblem?.({ kind: "buffered", error, pending: 1 });
    }
    this.#spool((spool) => {
      spool.add(event);
      this.#spooled += 1;
    });
    this.#flushing ??= this.#drain().finally(() => (this.#flushing = null));
  }

  /** Runs a spool operation; a failure is reported once per outage and never thrown. */
  #spool(operation: (spool: SecurityEventSpool) => void): void {
    const { spool } = this.#options;
    if (!spool || !this.#spooling) return;
    try {
      operation(spool);
    } catch (error) {
      this.#spooling = false;
      this.#options.onBufferProblem?.({
        kind: "not spooled",
        error,
        pending: this.#buffer.length,
      });
    }
  }

  async #drain(): Promise<void> {
    let delayMs = this.#options.retryInitialMs ?? 100;
    while (this.#buffer.length > 0) {
      try {
        await this.#append(this.#buffer[0]);
        this.#buffer.shift();
        if (this.#recoveredLeft > 0) this.#recoveredLeft -= 1;
        delayMs = this.#options.retryInitialMs ?? 100;
        // While events keep coming as fast as they drain, the buffer never empties: rewrite
        // the spool to what is still buffered once most of it is stale, so it stays bounded.
        if (this.#spooled > 2 * this.#buffer.length + SPOOL_STALE_RECORDS) {
          this.#spool((spool) => {
            spool.replace(this.#buffer);
            this.#spooled = this.#buffer.length;
          });
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
        delayMs = Math.min(delayMs * 2, 5_000);
      }
    }
    this.#spool((spool) => spool.clear());
    this.#spooling = true;
    this.#spooled = 0;
  }
}

const BUFFER_PROBLEMS = {
  buffered: "the security event stream is down: buffering events until it is back",
  dropped: "the security event buffer is full: an event was dropped",
  "not spooled": "the security event spool cannot be written: buffering in memory only",
} as const;

/**
 * The recorder of a long-running process (a gateway, a subgraph): it buffers through outages
 * of the stream, spools to `<dataDir>/spool` through restarts, and first appends what an
 * earlier process of the same service left there.
 */
export function startProcessRecorder(
  events: EventStream,
  { dataDir, service, logger }: { dataDir: string; service: string; logger: Logger },
): SecurityEventRecorder {
  const recorder = new SecurityEventRecorder(events, {
    bufferLimit: SECURITY_EVENT_BUFFER,
    spool: new SecurityEventSpool({
      dir: path.join(dataDir, "spool"),
      service,
      onProblem: ({ file, error, unreadableLines }) =>
        logger.error(
          { err: error, file, unreadableLines },
          "a security event spool file could not be fully recovered; what could not was skipped",
        ),
    }),
    onBufferProblem: ({ kind, error, pending }) =>
      logger.error({ err: error, pending }, BUFFER_PROBLEMS[kind]),
  });
  const recovered = recorder.recover();
  if (recovered > 0) {
    logger.warn({ recovered }, "appending security events an earlier process left in the spool");
  }
  return recorder;
}

/** Reads an event back from a stream entry's fields. */
export function parseSecurityEvent(fields: Record<string, string>): SecurityEvent {
  return JSON.parse(fields.event) as SecurityEvent;
}
