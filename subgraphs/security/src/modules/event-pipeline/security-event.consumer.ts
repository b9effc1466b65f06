import os from "node:os";
import type { EntityManager } from "@mikro-orm/core";
import { SECURITY_EVENT_STREAM, type Logger, type SecurityEvent } from "@rampart/kit";
import type { SubgraphRuntime } from "@rampart/kit/subgraph";
import type { EventStream, StreamEntry } from "@rampart/kit/stores";
import { SECURITY_SEVERITIES } from "../security-events";
import {
  SecurityEventArchive,
  type IncomingSecurityEvent,
  type SecurityEventArchiveOptions,
  type SecurityEventSink,
} from "./security-event.archive";

/** Consumer group of the processes that store security events. */
export const SECURITY_STORE_GROUP = "security-store";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options for {@link SecurityEventConsumer}. */
export interface SecurityEventConsumerOptions {
  /** The event stream (Redis Streams, or the in-memory bus on embedded defaults). */
  events: EventStream;
  /** Where events are stored. */
  sink: SecurityEventSink;
  /** Where failures are logged. */
  logger: Logger;
  /**
   * This process's consumer name. Default `security-<hostname>`: stable across restarts, so
   * a restarted process re-delivers what it had read but not acknowledged before it died.
   * Two processes sharing a name is safe (storing is idempotent), only less parallel.
   */
  consumer?: string;
  /** Consumer group. Default {@link SECURITY_STORE_GROUP}. */
  group?: string;
  /** Stream. Default `SECURITY_EVENT_STREAM`. */
  stream?: string;
  /** Entries per read, stored in one transaction. Default 500. */
  batchSize?: number;
  /** How long one read waits for new entries, in ms; bounds how long `stop` takes. Default 1000. */
  blockMs?: number;
  /** How often pending entries are re-delivered even without a failure, in ms. Default 30 000. */
  pendingCheckMs?: number;
  /**
   * Entries another consumer of the group left unacknowledged this long (it died, or was
   * replaced under another name) are claimed and stored by this one, in ms. Default 60 000.
   */
  claimIdleMs?: number;
  /** First back-off after a failure, in ms; doubles per failure in a row. Default 100. */
  retryInitialMs?: number;
  /** Longest back-off, in ms. Default 5000. */
  retryMaxMs?: number;
  /**
   * How long an entry stays in the stream once every consumer group has acknowledged it, in
   * ms; older ones are trimmed. The table holds the events; the stream only carries them, so
   * it need not keep them long. Default 3 600 000 (1 h).
   */
  retentionMs?: number;
  /** How often the stream is trimmed, in ms. Default 60 000. */
  trimIntervalMs?: number;
}

/** What a consumer has done since it started. */
export interface SecurityEventConsumerStats {
  /** Events stored (new rows). */
  stored: number;
  /** Entries acknowledged, duplicates and rejected ones included. */
  acknowledged: number;
  /** Entries that were not valid events: logged and acknowledged, never stored. */
  rejected: number;
  /** Reads or stores that failed and were retried. */
  failures: number;
  /** Entries trimmed from the stream once stored and past the retention. */
  trimmed: number;
}

/** Reads a stream entry as an event, or says why it is not one. */
export function readSecurityEvent(
  entry: StreamEntry,
): { ok: true; event: SecurityEvent } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(entry.fields.event ?? "");
  } catch {
    return { ok: false, reason: "the entry holds no JSON event" };
  }
  if (typeof raw !== "object" || raw === null) return { ok: false, reason: "not an object" };
  const value = raw as Record<string, unknown>;
  const text = (name: string) => {
    const field = value[name];
    return typeof field === "string" && field !== "" ? clean(field) : undefined;
  };
  const optional = (name: string) => (value[name] === null ? null : text(name));
  const id = text("id");
  const type = text("type");
  const severity = text("severity");
  const reason = typeof value.reason === "string" ? clean(value.reason) : undefined;
  const actorId = optional("actorId");
  const organizationId = optional("organizationId");
  const ip = optional("ip");
  const requestId = optional("requestId");
  const occurredAt = text("occurredAt");
  const time = occurredAt === undefined ? Number.NaN : Date.parse(occurredAt);
  if (id === undefined || !UUID.test(id)) return { ok: false, reason: "id is not a UUID" };
  if (type === undefined) return { ok: false, reason: "type is missing" };
  if (!SECURITY_SEVERITIES.includes(severity as SecurityEvent["severity"])) {
    return { ok: false, reason: "severity is unknown" };
  }
  if (reason === undefined) return { ok: false, reason: "reason is missing" };
  if (
    actorId === undefined ||
    organizationId === undefined ||
    ip === undefined ||
    requestId === undefined
  ) {
    return {
      ok: false,
      reason: "actorId, organizationId, ip or requestId is not a string or null",
    };
  }
  if (Number.isNaN(time)) return { ok: false, reason: "occurredAt is not a date" };
  return {
    ok: true,
    event: {
      id: id.toLowerCase(),
      type,
      severity: severity as SecurityEvent["severity"],
      actorId,
      organizationId,
      ip,
      reason,
      requestId,
      // Stored and hashed with millisecond precision, which both sides round-trip exactly.
      occurredAt: new Date(time).toISOString(),
    },
  };
}

// PostgreSQL text cannot hold NUL: an event carrying one would fail its batch forever.
// eslint-disable-next-line no-control-regex
const clean = (text: string) => text.replace(/\u0000/g, "\uFFFD");

/**
 * Stores every security event of the stream in PostgreSQL exactly once.
 *
 * Reads with a consumer group and acknowledges an entry only after its transaction
 * committed. When storing fails (PostgreSQL down), nothing is acknowledged: the consumer
 * backs off, then re-delivers its own pending entries (`pending: true`) before reading new
 * ones, so they are stored once it is back. Storing is idempotent by event id, so an entry
 * stored but not acknowledged (a crash, Redis down at the ack) is not stored twice.
 * Entries that are not valid events are logged and acknowledged: retrying cannot fix them.
 * Once a minute it trims what every group has acknowledged and is past `retentionMs`.
 */
export class SecurityEventConsumer {
  readonly #options: Required<Omit<SecurityEventConsumerOptions, "sink" | "events" | "logger">>;
  readonly #events: EventStream;
  readonly #sink: SecurityEventSink;
  readonly #logger: Logger;
  readonly #stats: SecurityEventConsumerStats = {
    stored: 0,
    acknowledged: 0,
    rejected: 0,
    failures: 0,
    trimmed: 0,
  };
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  constructor(options: SecurityEventConsumerOptions) {
    this.#events = options.events;
    this.#sink = options.sink;
    this.#logger = options.logger;
    this.#options = {
      consumer: options.consumer ?? `security-${os.hostname()}`,
      group: options.group ?? SECURITY_STORE_GROUP,
      stream: options.stream ?? SECURITY_EVENT_STREAM,
      batchSize: options.batchSize ?? 500,
      blockMs: options.blockMs ?? 1_000,
      pendingCheckMs: options.pendingCheckMs ?? 30_000,
      claimIdleMs: options.claimIdleMs ?? 60_000,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      retentionMs: options.retentionMs ?? 3_600_000,
      trimIntervalMs: options.trimIntervalMs ?? 60_000,
    };
  }

  /** Counts since start (a copy). */
  stats(): SecurityEventConsumerStats {
    return { ...this.#stats };
  }

  /** Starts consuming in the background; failures are logged and retried, never thrown. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops after the current read or store (at most `blockMs` later); safe to call twice. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    const { stream, group, consumer, batchSize, blockMs, pendingCheckMs } = this.#options;
    let backoffMs = this.#options.retryInitialMs;
    let groupReady = false;
    // Entries delivered before a crash or a failure are pending: always drain those first.
    let drainPending = true;
    let lastDrain = Date.now();
    let lastTrim = 0;
    while (this.#running) {
      try {
        if (!groupReady) {
          await this.#events.ensureGroup(stream, group);
          groupReady = true;
        }
        if (Date.now() - lastTrim >= this.#options.trimIntervalMs) {
          lastTrim = Date.now();
          await this.#trim();
        }
        if (!drainPending && Date.now() - lastDrain >= pendingCheckMs) drainPending = true;
        const entries = drainPending
          ? await this.#pending()
          : await this.#events.readGroup(stream, group, consumer, { count: batchSize, blockMs });
        if (drainPending && entries.length === 0) {
          drainPending = false;
          lastDrain = Date.now();
          continue;
        }
        await this.#store(entries);
        backoffMs = this.#options.retryInitialMs;
      } catch (error) {
        if (!this.#running) break;
        this.#stats.failures += 1;
        this.#logger.warn(
          { err: error, retryInMs: backoffMs },
          "could not store security events; they stay pending and are retried",
        );
        // The stream may have been recreated (Redis restarted empty): ensure the group again.
        groupReady = false;
        drainPending = true;
        await this.#sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, this.#options.retryMaxMs);
      }
    }
  }

  /**
   * Removes the entries past the retention that every group has acknowledged (the store
   * decides which: see `EventStream.trim`). Without it the stream grew until the recorder's
   * length cap, about a million entries. A failure is logged, never retried at once: the
   * entries are stored, and the next trim removes them.
   */
  async #trim(): Promise<void> {
    try {
      this.#stats.trimmed += await this.#events.trim(this.#options.stream, {
        before: `${Math.max(0, Date.now() - this.#options.retentionMs)}-0`,
      });
    } catch (error) {
      this.#logger.warn({ err: error }, "could not trim the security event stream; will retry");
    }
  }

  /** This consumer's own pending entries, else those a dead consumer left (claimed). */
  async #pending(): Promise<StreamEntry[]> {
    const { stream, group, consumer, batchSize, claimIdleMs } = this.#options;
    const own = await this.#events.readGroup(stream, group, consumer, {
      count: batchSize,
      pending: true,
    });
    if (own.length > 0) return own;
    return this.#events.claim(stream, group, consumer, {
      minIdleMs: claimIdleMs,
      count: batchSize,
    });
  }

  /** Stores a batch, then acknowledges it; throws (acknowledging nothing) when storing fails. */
  async #store(entries: StreamEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const valid: IncomingSecurityEvent[] = [];
    let rejected = 0;
    for (const entry of entries) {
      const read = readSecurityEvent(entry);
      if (read.ok) {
        valid.push({ event: read.event, streamId: entry.id });
      } else {
        rejected += 1;
        this.#logger.error(
          { streamId: entry.id, problem: read.reason },
          "dropping a stream entry that is not a security event",
        );
      }
    }
    const stored = await this.#sink.append(valid);
    this.#stats.stored += stored;
    this.#stats.rejected += rejected;
    this.#stats.acknowledged += await this.#events.ack(
      this.#options.stream,
      this.#options.group,
      entries.map((entry) => entry.id),
    );
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      // Never what keeps the process alive.
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

/**
 * Starts storing the security event stream of a running subgraph; resolves to the function
 * that stops it (register it on shutdown, before the stores and the database close).
 * `em` is forked for every batch; `afterStore` listeners see each stored batch.
 */
export function startSecurityEventConsumer(
  runtime: Pick<SubgraphRuntime, "stores" | "logger">,
  em: EntityManager,
  options: Partial<Omit<SecurityEventConsumerOptions, "events" | "sink" | "logger">> &
    Pick<SecurityEventArchiveOptions, "afterStore"> = {},
): () => Promise<void> {
  const { afterStore, ...consumerOptions } = options;
  const consumer = new SecurityEventConsumer({
    ...consumerOptions,
    events: runtime.stores.events,
    sink: new SecurityEventArchive(em, { afterStore, logger: runtime.logger }),
    logger: runtime.logger,
  });
  consumer.start();
  return () => consumer.stop();
}
