import type { EntityManager } from "@mikro-orm/core";
import { ErrorCode, RampartError, type Logger } from "@rampart/kit";
import type { PubSub, Unsubscribe } from "@rampart/kit/stores";
import { StoredSecurityEvent } from "./security-event.entity";
import {
  matchesCriteria,
  parseSecurityEventFilter,
  whereOfCriteria,
  type SecurityEventCriteria,
} from "./security-event.filter";
import type { SecurityEventFilter } from "./security-event.types";

/** Pubsub channel on which every stored batch of security events is announced. */
export const STORED_SECURITY_EVENTS_CHANNEL = "security-events:stored";

/** Batches up to this many rows travel inside the announcement; bigger ones by sequence only. */
export const MAX_ANNOUNCED_ROWS = 100;

/** Rows read per query while catching up. */
const DEFAULT_BATCH_SIZE = 500;

/** How often a live feed reads the table even without announcements, in ms. */
const DEFAULT_POLL_MS = 2_000;

/** Announcements a feed holds before it drops them and reads the table instead. */
const MAX_INBOX = 256;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored row as it travels in an announcement (dates as ISO 8601). */
interface AnnouncedRow {
  sequence: number;
  id: string;
  type: string;
  severity: string;
  actorId: string | null;
  organizationId: string | null;
  ip: string | null;
  reason: string;
  requestId: string | null;
  occurredAt: string;
  streamId: string;
  previousHash: string;
  hash: string;
}

/**
 * Published after each stored batch. A batch's sequences are contiguous (they are assigned in
 * one transaction under the append lock), so `first` and `last` describe all of them.
 */
export interface StoredSecurityEventsAnnouncement {
  /** Sequence of the batch's first row. */
  readonly first: number;
  /** Sequence of its last row. */
  readonly last: number;
  /** The rows, in sequence order; absent for batches over {@link MAX_ANNOUNCED_ROWS}. */
  readonly events?: readonly AnnouncedRow[];
}

const toAnnounced = (row: StoredSecurityEvent): AnnouncedRow => ({
  sequence: row.sequence,
  id: row.id,
  type: row.type,
  severity: row.severity,
  actorId: row.actorId,
  organizationId: row.organizationId,
  ip: row.ip,
  reason: row.reason,
  requestId: row.requestId,
  occurredAt: row.occurredAt.toISOString(),
  streamId: row.streamId,
  previousHash: row.previousHash,
  hash: row.hash,
});

const fromAnnounced = (row: AnnouncedRow): StoredSecurityEvent =>
  Object.assign(new StoredSecurityEvent(), { ...row, occurredAt: new Date(row.occurredAt) });

/**
 * The archive listener that announces each stored batch on
 * {@link STORED_SECURITY_EVENTS_CHANNEL}. A lost announcement (Redis restarting) loses no
 * event: feeds also poll the table.
 */
export function announceStoredSecurityEvents(
  pubsub: PubSub,
): (rows: readonly StoredSecurityEvent[]) => Promise<void> {
  return async (rows) => {
    if (rows.length === 0) return;
    const announcement: StoredSecurityEventsAnnouncement = {
      first: rows[0].sequence,
      last: rows[rows.length - 1].sequence,
      ...(rows.length <= MAX_ANNOUNCED_ROWS ? { events: rows.map(toAnnounced) } : {}),
    };
    await pubsub.publish(STORED_SECURITY_EVENTS_CHANNEL, JSON.stringify(announcement));
  };
}

/** Reads an announcement; null when the message is not one (then the feed reads the table). */
function readAnnouncement(message: string): StoredSecurityEventsAnnouncement | null {
  try {
    const value = JSON.parse(message) as Partial<StoredSecurityEventsAnnouncement>;
    const { first, last, events } = value;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return null;
    if ((first as number) < 1 || (last as number) < (first as number)) return null;
    if (events !== undefined) {
      const contiguous =
        Array.isArray(events) &&
        events.length === (last as number) - (first as number) + 1 &&
        events.every((row, index) => row?.sequence === (first as number) + index);
      if (!contiguous) return { first: first as number, last: last as number };
    }
    return { first: first as number, last: last as number, events };
  } catch {
    return null;
  }
}

/** Options for {@link SecurityEventFeed}. */
export interface SecurityEventFeedOptions {
  /** Where stored batches are announced (the runtime's stores). */
  pubsub: PubSub;
  /** How often open streams check the table even without announcements, in ms. Default 2000. */
  pollMs?: number;
  /** Rows per read while replaying or catching up. Default 500. */
  batchSize?: number;
  /** Where read failures are logged (streams retry at the next poll). Default: nowhere. */
  logger?: Logger;
}

type FeedSettings = Required<Omit<SecurityEventFeedOptions, "logger">> & { logger?: Logger };

/**
 * Live streams of stored security events, in chain order, for subscriptions. One per process:
 * it holds one pubsub subscription and one poll timer for all its open streams, and parses
 * each announcement once.
 *
 * Each stream tracks the highest sequence it has looked at (its cursor). An announcement that
 * starts right after the cursor is used as is; any other (a gap: a lost or reordered
 * announcement, or one without rows) makes the stream read `sequence > cursor` from the
 * table. Every `pollMs` the feed reads the highest stored sequence and streams behind it read
 * the table, so an announcement lost while Redis restarts delays events by at most that long
 * and loses none. Committed sequences form a prefix (they are assigned under the append lock,
 * held until commit), so reading up to the highest sequence a query saw skips no row.
 */
export class SecurityEventFeed {
  readonly #settings: FeedSettings;
  readonly #streams = new Set<LiveSecurityEvents>();
  #subscription: Promise<Unsubscribe> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  constructor(options: SecurityEventFeedOptions) {
    this.#settings = {
      ...options,
      pollMs: options.pollMs ?? DEFAULT_POLL_MS,
      batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    };
  }

  /** Streams open now. */
  get openStreams(): number {
    return this.#streams.size;
  }

  /**
   * Events matching `filter` stored after the event `after` (replayed, then live), or from
   * now on when `after` is not given, read with forks of `em`. BAD_USER_INPUT for a bad
   * filter or a malformed id, NOT_FOUND for an id that names no stored event. Call `return()`
   * to stop it.
   */
  async subscribe(
    em: EntityManager,
    filter: SecurityEventFilter | null | undefined,
    after?: string | null,
  ): Promise<AsyncIterableIterator<StoredSecurityEvent>> {
    const criteria = parseSecurityEventFilter(filter);
    const start = after === null || after === undefined ? null : await sequenceOf(em, after);
    const stream: LiveSecurityEvents = new LiveSecurityEvents(
      em,
      criteria,
      this.#settings,
      (): Promise<void> => this.#detach(stream),
    );
    try {
      await this.#attach(stream);
      await stream.start(start);
    } catch (error) {
      await stream.return();
      throw error;
    }
    return stream;
  }

  /** Closes every open stream (on shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#streams].map((stream) => stream.return()));
  }

  async #attach(stream: LiveSecurityEvents): Promise<void> {
    this.#streams.add(stream);
    this.#subscription ??= this.#settings.pubsub.subscribe(
      STORED_SECURITY_EVENTS_CHANNEL,
      (message) => this.#dispatch(message),
    );
    const subscription = this.#subscription;
    try {
      await subscription;
    } catch (error) {
      if (this.#subscription === subscription) this.#subscription = null;
      throw error;
    }
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#poll(), this.#settings.pollMs);
      // Never what keeps a process alive.
      this.#timer.unref();
    }
  }

  async #detach(stream: LiveSecurityEvents): Promise<void> {
    if (!this.#streams.delete(stream) || this.#streams.size > 0) return;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const subscription = this.#subscription;
    this.#subscription = null;
    const unsubscribe = await subscription?.catch(() => null);
    await unsubscribe?.().catch((error: unknown) =>
      this.#settings.logger?.warn({ err: error }, "could not unsubscribe the security event feed"),
    );
  }

  #dispatch(message: string): void {
    const announcement = readAnnouncement(message);
    const delivered: Delivery | null = announcement && {
      first: announcement.first,
      last: announcement.last,
      events: announcement.events?.map(fromAnnounced),
    };
    for (const stream of this.#streams) stream.deliver(delivered);
  }

  /** Wakes the streams behind the highest stored sequence; one query for all of them. */
  async #poll(): Promise<void> {
    const [any] = this.#streams;
    if (!any || this.#polling) return;
    this.#polling = true;
    try {
      const max = await maxSequence(any.em);
      for (const stream of this.#streams) stream.behind(max);
    } catch (error) {
      this.#settings.logger?.warn({ err: error }, "could not poll stored security events");
    } finally {
      this.#polling = false;
    }
  }
}

/** An announcement with its rows revived. */
type Delivery = Omit<StoredSecurityEventsAnnouncement, "events"> & {
  readonly events?: readonly StoredSecurityEvent[];
};

async function sequenceOf(em: EntityManager, eventId: string): Promise<number> {
  if (!UUID.test(eventId)) {
    throw RampartError.badInput("after must be the id of a security event (a UUID).", "after");
  }
  const row = await em
    .fork()
    .findOne(StoredSecurityEvent, { id: eventId.toLowerCase() }, { fields: ["sequence"] });
  if (!row) {
    throw new RampartError(
      ErrorCode.NotFound,
      "No stored security event has the id given as after; pass the id of an event this API returned.",
      { field: "after" },
    );
  }
  return row.sequence;
}

async function maxSequence(em: EntityManager): Promise<number> {
  const [last] = await em
    .fork()
    .find(
      StoredSecurityEvent,
      {},
      { orderBy: { sequence: "desc" }, limit: 1, fields: ["sequence"] },
    );
  return last?.sequence ?? 0;
}

/** One live stream; see {@link SecurityEventFeed}. */
class LiveSecurityEvents implements AsyncIterableIterator<StoredSecurityEvent> {
  /** Highest sequence looked at (delivered, or skipped by the filter). */
  #cursor = 0;
  /** Events read and matching, not yet delivered, in sequence order. */
  #ready: StoredSecurityEvent[] = [];
  /** Announcements received and not yet looked at; null for an unreadable one. */
  #inbox: (Delivery | null)[] = [];
  /** The table must be read (a gap, more rows to replay, a poll that saw newer rows). */
  #readDue = false;
  /** Something happened since the last look (an announcement, a poll, a close). */
  #dirty = false;
  #wake: (() => void) | null = null;
  #started = false;
  #closed = false;
  /** The next() in progress: calls are served one after the other. */
  #turn: Promise<unknown> = Promise.resolve();

  constructor(
    /** Forked for every read. */
    readonly em: EntityManager,
    private readonly criteria: SecurityEventCriteria,
    private readonly settings: FeedSettings,
    private readonly detach: () => Promise<void>,
  ) {}

  /** Fixes the cursor; called once the feed listens, so nothing stored in between is missed. */
  async start(after: number | null): Promise<void> {
    if (after === null) {
      this.#cursor = await maxSequence(this.em);
    } else {
      this.#cursor = after;
      this.#readDue = true;
    }
    this.#started = true;
  }

  /** An announcement (null: unreadable, so the table must be read). */
  deliver(delivery: Delivery | null): void {
    if (this.#closed) return;
    if (this.#inbox.length >= MAX_INBOX) {
      // A slow reader: the table has every event, so drop the backlog and read it there.
      this.#inbox = [];
      this.#readDue = true;
    } else {
      this.#inbox.push(delivery);
    }
    this.#signal();
  }

  /** The poll saw `max` stored: read the table if this stream is behind it. */
  behind(max: number): void {
    if (this.#closed || !this.#started || max <= this.#cursor) return;
    this.#readDue = true;
    this.#signal();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StoredSecurityEvent> {
    return this;
  }

  next(): Promise<IteratorResult<StoredSecurityEvent>> {
    const result = this.#turn.then(() => this.#next());
    this.#turn = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<StoredSecurityEvent>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#ready = [];
      this.#inbox = [];
      this.#signal();
      await this.detach();
    }
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<StoredSecurityEvent>> {
    await this.return();
    throw error;
  }

  async #next(): Promise<IteratorResult<StoredSecurityEvent>> {
    for (;;) {
      if (this.#closed) return { done: true, value: undefined };
      const event = this.#ready.shift();
      if (event) return { done: false, value: event };
      this.#dirty = false;
      if (await this.#advance()) continue;
      await this.#idle();
    }
  }

  /** Looks at what arrived; false when there was nothing to do. */
  async #advance(): Promise<boolean> {
    if (this.#readDue) {
      this.#readDue = false;
      await this.#read();
      return true;
    }
    while (this.#inbox.length > 0 && !this.#closed) {
      const delivery = this.#inbox.shift() ?? null;
      if (delivery && delivery.last <= this.#cursor) continue;
      if (delivery?.events && delivery.first === this.#cursor + 1) {
        for (const event of delivery.events) {
          if (matchesCriteria(event, this.criteria)) this.#ready.push(event);
        }
        this.#cursor = delivery.last;
        if (this.#ready.length > 0) return true;
        continue;
      }
      // A gap before this announcement, or one without rows: the table has them.
      await this.#read();
      return true;
    }
    return false;
  }

  /** Reads one batch after the cursor; on failure logs, and the next poll retries. */
  async #read(): Promise<void> {
    try {
      const max = await maxSequence(this.em);
      if (max <= this.#cursor || this.#closed) return;
      const rows = await this.em.fork().find(
        StoredSecurityEvent,
        {
          $and: [whereOfCriteria(this.criteria), { sequence: { $gt: this.#cursor, $lte: max } }],
        },
        { orderBy: { sequence: "asc" }, limit: this.settings.batchSize },
      );
      if (this.#closed) return;
      this.#ready.push(...rows);
      if (rows.length === this.settings.batchSize) {
        this.#cursor = rows[rows.length - 1].sequence;
        this.#readDue = true;
      } else {
        this.#cursor = max;
      }
    } catch (error) {
      this.settings.logger?.warn(
        { err: error, cursor: this.#cursor },
        "could not read security events for a live feed; retrying at the next poll",
      );
    }
  }

  /** Waits for an announcement, a poll or a close (at once if one came while looking). */
  #idle(): Promise<void> {
    if (this.#dirty || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #signal(): void {
    this.#dirty = true;
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
