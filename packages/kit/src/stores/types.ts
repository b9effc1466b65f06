/**
 * Store interfaces shared by every Rampart process. Each has a Redis implementation
 * (production, shared across replicas) and an in-memory one (embedded default, one process).
 */
import type { RateLimiter } from "./rate-limiter";

export type {
  RateLimitCheck,
  RateLimitDecision,
  RateLimiter,
  RateLimitRule,
  RateLimitVerdict,
} from "./rate-limiter";

/** Options for {@link KeyValueStore.set}. */
export interface SetOptions {
  /** Lifetime in milliseconds; the entry never expires when omitted. */
  ttlMs?: number;
  /** Write only when the key does not exist yet (Redis `NX`). Default false. */
  onlyIfAbsent?: boolean;
}

/** A string key-value store whose entries may expire. */
export interface KeyValueStore {
  /** The value, or null when missing or expired. */
  get(key: string): Promise<string | null>;
  /** Several values in one round trip, in the order of `keys`. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Writes the value; false when `onlyIfAbsent` was set and the key existed. */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /**
   * Writes `value` only while the key still holds exactly `expected` (null: the key is absent),
   * in one atomic step; true when written. The primitive of every state change that guards
   * access: read, decide, then write only if nobody wrote in between (else read again).
   */
  compareAndSet(
    key: string,
    expected: string | null,
    value: string,
    options?: { ttlMs?: number },
  ): Promise<boolean>;
  /** Removes the key; true when it existed. */
  delete(key: string): Promise<boolean>;
  /** Remaining lifetime in ms; null when the key is missing or never expires. */
  ttlMs(key: string): Promise<number | null>;
}

/** Options for {@link CounterStore.increment}. */
export interface IncrementOptions {
  /** Amount to add. Default 1. */
  by?: number;
  /** When the counter is created by this call, it expires after this many ms. */
  ttlMs?: number;
}

/** Atomic integer counters, optionally windowed by a TTL set on first increment. */
export interface CounterStore {
  /** Adds atomically and returns the new value. */
  increment(key: string, options?: IncrementOptions): Promise<number>;
  /** Current value; 0 when missing or expired. */
  get(key: string): Promise<number>;
  /** Removes the counter. */
  reset(key: string): Promise<void>;
}

/** Unordered sets of strings, such as the index of a user's sessions. */
export interface SetStore {
  /** Adds members; `ttlMs` (re)sets the lifetime of the whole set. */
  add(key: string, members: readonly string[], options?: { ttlMs?: number }): Promise<void>;
  /** Removes members. */
  remove(key: string, members: readonly string[]): Promise<void>;
  /** Every member; empty when the set is missing or expired. */
  members(key: string): Promise<string[]>;
}

/** Removes a subscription. */
export type Unsubscribe = () => Promise<void>;

/** Fire-and-forget messages to every subscriber of a channel, on every replica. */
export interface PubSub {
  /** Sends a message to the channel's current subscribers. */
  publish(channel: string, message: string): Promise<void>;
  /** Calls the listener for each message published after the returned promise resolves. */
  subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe>;
}

/** One entry of an append-only stream. */
export interface StreamEntry {
  /** Monotonic id, Redis Streams format `<ms>-<seq>`. */
  id: string;
  /** The entry's fields. */
  fields: Record<string, string>;
}

/** Options for {@link EventStream.read}. */
export interface ReadOptions {
  /** Return entries strictly after this id. Default `"0"` (from the start). */
  after?: string;
  /** At most this many entries. Default 100. */
  count?: number;
  /** When nothing is available, wait up to this many ms for new entries. Default 0 (no wait). */
  blockMs?: number;
}

/** Options for {@link EventStream.readGroup}. */
export interface ReadGroupOptions {
  /** At most this many entries. Default 100. */
  count?: number;
  /** When nothing is available, wait up to this many ms. Default 0 (no wait). */
  blockMs?: number;
  /** Re-deliver this consumer's delivered but unacknowledged entries instead of new ones. Default false. */
  pending?: boolean;
}

/** Options for {@link EventStream.trim}. */
export interface TrimOptions {
  /** Entries with a smaller id may go: usually `<epoch ms of the retention's start>-0`. */
  before: string;
  /**
   * Let Redis remove only whole internal nodes (`~`): far cheaper, keeps up to about a hundred
   * entries more. The memory stores trim exactly either way. Default false.
   */
  approximate?: boolean;
}

/** An append-only event stream with consumer groups (Redis Streams semantics). */
export interface EventStream {
  /** Appends an entry and returns its id. `maxLength` trims the stream approximately. */
  append(
    stream: string,
    fields: Record<string, string>,
    options?: { maxLength?: number },
  ): Promise<string>;
  /** Entries after `after`, oldest first. */
  read(stream: string, options?: ReadOptions): Promise<StreamEntry[]>;
  /** Creates the consumer group if missing (idempotent); a new group starts at the stream's beginning. */
  ensureGroup(stream: string, group: string): Promise<void>;
  /** Entries for one consumer of a group; each entry goes to exactly one consumer until acknowledged. */
  readGroup(
    stream: string,
    group: string,
    consumer: string,
    options?: ReadGroupOptions,
  ): Promise<StreamEntry[]>;
  /**
   * Takes over entries delivered to other consumers of the group and unacknowledged for at
   * least `minIdleMs` (their consumer died), oldest first; they become this consumer's pending
   * entries. Redis: `XAUTOCLAIM`.
   */
  claim(
    stream: string,
    group: string,
    consumer: string,
    options: { minIdleMs: number; count?: number },
  ): Promise<StreamEntry[]>;
  /** Acknowledges entries; returns how many were pending. */
  ack(stream: string, group: string, ids: string[]): Promise<number>;
  /** Number of entries in the stream. */
  length(stream: string): Promise<number>;
  /**
   * Removes the entries older than `before` that no consumer group still needs: below every
   * group's oldest pending entry and at or below its last delivered one. Returns how many were
   * removed. Redis: `XTRIM MINID`, the bound lowered to what the groups still need.
   */
  trim(stream: string, options: TrimOptions): Promise<number>;
}

/** The set of stores a process uses, created together and closed together. */
export interface Stores {
  /** `redis` when backed by a Redis server, `memory` for the embedded default. */
  readonly kind: "redis" | "memory";
  readonly kv: KeyValueStore;
  readonly counters: CounterStore;
  readonly sets: SetStore;
  readonly pubsub: PubSub;
  readonly events: EventStream;
  /** Rate limits (GCRA), one atomic decision per call. */
  readonly rateLimiter: RateLimiter;
  /** Round-trip time to the backing store in ms; rejects when it is unreachable. */
  ping(): Promise<number>;
  /**
   * The store's own clock, epoch ms (Redis `TIME`): one clock for every replica, where times
   * written by one process are compared with times written by another (sessions started
   * before a bulk revocation).
   */
  time(): Promise<number>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
