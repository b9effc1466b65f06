/**
 * In-memory stores: the embedded default for a single process. They follow the Redis
 * implementation's semantics (./redis.ts) closely enough that one test suite covers both.
 */
import { MemoryRateLimiter } from "./rate-limiter";
import type {
  CounterStore,
  EventStream,
  IncrementOptions,
  KeyValueStore,
  PubSub,
  ReadGroupOptions,
  ReadOptions,
  SetOptions,
  SetStore,
  Stores,
  StreamEntry,
  TrimOptions,
  Unsubscribe,
} from "./types";

/** How often expired keys are dropped; lazy expiry keeps reads correct in between. */
const SWEEP_INTERVAL_MS = 1_000;
/** Default `count` for stream reads, as documented in ./types.ts. */
const DEFAULT_COUNT = 100;

/** Shared open/closed state; every public call checks it so closed stores fail closed. */
class Lifecycle {
  closed = false;

  assertOpen(): void {
    if (this.closed) throw new Error("Stores are closed");
  }
}

/** Rejects values Redis would refuse or read differently (fractions, zero, NaN). */
function requireInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

interface StoredValue {
  value: string;
  /** Epoch ms after which the value is gone; null when it never expires. */
  expiresAt: number | null;
}

/**
 * One string keyspace shared by key-values and counters, as in Redis, where a counter is a
 * string key too.
 */
class Keyspace {
  private readonly values = new Map<string, StoredValue>();

  read(key: string, now = Date.now()): StoredValue | undefined {
    const stored = this.values.get(key);
    if (stored !== undefined && stored.expiresAt !== null && stored.expiresAt <= now) {
      this.values.delete(key);
      return undefined;
    }
    return stored;
  }

  write(key: string, stored: StoredValue): void {
    this.values.set(key, stored);
  }

  remove(key: string): boolean {
    const existed = this.read(key) !== undefined;
    this.values.delete(key);
    return existed;
  }

  sweep(now = Date.now()): void {
    for (const [key, stored] of this.values) {
      if (stored.expiresAt !== null && stored.expiresAt <= now) this.values.delete(key);
    }
  }

  clear(): void {
    this.values.clear();
  }
}

class MemoryKeyValueStore implements KeyValueStore {
  constructor(
    private readonly life: Lifecycle,
    private readonly keyspace: Keyspace,
  ) {}

  async get(key: string): Promise<string | null> {
    this.life.assertOpen();
    return this.keyspace.read(key)?.value ?? null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    this.life.assertOpen();
    return keys.map((key) => this.keyspace.read(key)?.value ?? null);
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    this.life.assertOpen();
    const ttlMs =
      options.ttlMs === undefined ? undefined : requireInteger("ttlMs", options.ttlMs, 1);
    if (options.onlyIfAbsent && this.keyspace.read(key) !== undefined) return false;
    this.keyspace.write(key, { value, expiresAt: ttlMs === undefined ? null : Date.now() + ttlMs });
    return true;
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    value: string,
    options: { ttlMs?: number } = {},
  ): Promise<boolean> {
    this.life.assertOpen();
    const ttlMs =
      options.ttlMs === undefined ? undefined : requireInteger("ttlMs", options.ttlMs, 1);
    // No await between the read and the write: atomic on the event loop.
    if ((this.keyspace.read(key)?.value ?? null) !== expected) return false;
    this.keyspace.write(key, { value, expiresAt: ttlMs === undefined ? null : Date.now() + ttlMs });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    this.life.assertOpen();
    return this.keyspace.remove(key);
  }

  async ttlMs(key: string): Promise<number | null> {
    this.life.assertOpen();
    const now = Date.now();
    const stored = this.keyspace.read(key, now);
    return stored === undefined || stored.expiresAt === null ? null : stored.expiresAt - now;
  }
}

class MemoryCounterStore implements CounterStore {
  constructor(
    private readonly life: Lifecycle,
    private readonly keyspace: Keyspace,
  ) {}

  async increment(key: string, options: IncrementOptions = {}): Promise<number> {
    this.life.assertOpen();
    const by = requireInteger("by", options.by ?? 1, Number.MIN_SAFE_INTEGER);
    const ttlMs =
      options.ttlMs === undefined ? undefined : requireInteger("ttlMs", options.ttlMs, 1);
    const now = Date.now();
    const stored = this.keyspace.read(key, now);
    if (stored !== undefined && !/^-?\d+$/.test(stored.value)) {
      throw new Error(`ERR value is not an integer or out of range (key "${key}")`);
    }
    const value = (stored === undefined ? 0 : Number(stored.value)) + by;
    // The window is fixed by the increment that creates the counter; later ones keep it.
    const expiresAt =
      stored === undefined ? (ttlMs === undefined ? null : now + ttlMs) : stored.expiresAt;
    this.keyspace.write(key, { value: String(value), expiresAt });
    return value;
  }

  async get(key: string): Promise<number> {
    this.life.assertOpen();
    const stored = this.keyspace.read(key);
    return stored === undefined ? 0 : Number(stored.value);
  }

  async reset(key: string): Promise<void> {
    this.life.assertOpen();
    this.keyspace.remove(key);
  }
}

class MemorySetStore implements SetStore {
  private readonly sets = new Map<string, { members: Set<string>; expiresAt: number | null }>();

  constructor(private readonly life: Lifecycle) {}

  private live(key: string): { members: Set<string>; expiresAt: number | null } | undefined {
    const entry = this.sets.get(key);
    if (entry?.expiresAt != null && entry.expiresAt <= Date.now()) {
      this.sets.delete(key);
      return undefined;
    }
    return entry;
  }

  async add(
    key: string,
    members: readonly string[],
    options: { ttlMs?: number } = {},
  ): Promise<void> {
    this.life.assertOpen();
    const ttlMs =
      options.ttlMs === undefined ? undefined : requireInteger("ttlMs", options.ttlMs, 1);
    const entry = this.live(key) ?? { members: new Set<string>(), expiresAt: null };
    for (const member of members) entry.members.add(member);
    if (ttlMs !== undefined) entry.expiresAt = Date.now() + ttlMs;
    this.sets.set(key, entry);
  }

  async remove(key: string, members: readonly string[]): Promise<void> {
    this.life.assertOpen();
    const entry = this.live(key);
    if (!entry) return;
    for (const member of members) entry.members.delete(member);
    if (entry.members.size === 0) this.sets.delete(key);
  }

  async members(key: string): Promise<string[]> {
    this.life.assertOpen();
    return [...(this.live(key)?.members ?? [])];
  }

  clear(): void {
    this.sets.clear();
  }
}

interface Subscription {
  listener: (message: string) => void;
}

/** Calls a listener, keeping one failing listener from starving the others. */
export function deliver(channel: string, subscription: Subscription, message: string): void {
  try {
    subscription.listener(message);
  } catch (error) {
    process.emitWarning(`listener on channel "${channel}" threw: ${String(error)}`, {
      type: "PubSubListenerError",
    });
  }
}

class MemoryPubSub implements PubSub {
  private readonly channels = new Map<string, Set<Subscription>>();

  constructor(private readonly life: Lifecycle) {}

  async publish(channel: string, message: string): Promise<void> {
    this.life.assertOpen();
    const subscriptions = this.channels.get(channel);
    if (subscriptions === undefined) return;
    const targets = [...subscriptions];
    // Delivered later so a listener never runs inside the publisher's call stack; one that
    // unsubscribed in the meantime is skipped, as with Redis.
    queueMicrotask(() => {
      for (const subscription of targets) {
        if (subscriptions.has(subscription)) deliver(channel, subscription, message);
      }
    });
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    this.life.assertOpen();
    const subscription: Subscription = { listener };
    let subscriptions = this.channels.get(channel);
    if (subscriptions === undefined) {
      subscriptions = new Set();
      this.channels.set(channel, subscriptions);
    }
    subscriptions.add(subscription);
    const channelSubscriptions = subscriptions;
    return async () => {
      channelSubscriptions.delete(subscription);
      if (channelSubscriptions.size === 0 && this.channels.get(channel) === channelSubscriptions) {
        this.channels.delete(channel);
      }
    };
  }

  clear(): void {
    for (const subscriptions of this.channels.values()) subscriptions.clear();
    this.channels.clear();
  }
}

/** A parsed stream id; Redis accepts `<ms>` alone as `<ms>-0`. */
interface StreamId {
  ms: number;
  seq: number;
}

function parseStreamId(id: string): StreamId {
  const match = /^(\d+)(?:-(\d+))?$/.exec(id);
  const ms = Number(match?.[1]);
  const seq = match?.[2] === undefined ? 0 : Number(match[2]);
  if (match === null || !Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) {
    throw new Error(`ERR Invalid stream ID specified as stream command argument: "${id}"`);
  }
  return { ms, seq };
}

function compareStreamIds(a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}

function formatStreamId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

interface StoredEntry {
  id: StreamId;
  fields: Record<string, string>;
}

interface PendingEntry {
  id: StreamId;
  consumer: string;
  /** Epoch ms of the last delivery (for `claim`'s idle time). */
  deliveredAt: number;
}

interface ConsumerGroup {
  lastDelivered: StreamId;
  /** Delivered, unacknowledged entries by formatted id; insertion order is id order. */
  pending: Map<string, PendingEntry>;
}

interface MemoryStreamData {
  /** Oldest first. */
  entries: StoredEntry[];
  lastId: StreamId;
  groups: Map<string, ConsumerGroup>;
}

/** Index of the first entry whose id is greater than `id` (entries are sorted). */
function firstIndexAfter(entries: StoredEntry[], id: StreamId): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareStreamIds(entries[middle].id, id) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function toStreamEntry(entry: StoredEntry): StreamEntry {
  return { id: formatStreamId(entry.id), fields: { ...entry.fields } };
}

class MemoryEventStream implements EventStream {
  private readonly streams = new Map<string, MemoryStreamData>();
  /** Blocked readers per stream name, woken by the next append (or by close). */
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly life: Lifecycle) {}

  async append(
    stream: string,
    fields: Record<string, string>,
    options: { maxLength?: number } = {},
  ): Promise<string> {
    this.life.assertOpen();
    if (Object.keys(fields).length === 0)
      throw new RangeError("a stream entry needs at least one field");
    const maxLength =
      options.maxLength === undefined
        ? undefined
        : requireInteger("maxLength", options.maxLength, 1);
    const data = this.streamData(stream, true);
    const now = Date.now();
    // Same rule as Redis: the clock's ms, or the last id's ms with the next seq when the
    // clock has not moved forward (or went backwards).
    const id: StreamId =
      now > data.lastId.ms ? { ms: now, seq: 0 } : { ms: data.lastId.ms, seq: data.lastId.seq + 1 };
    data.lastId = id;
    data.entries.push({ id, fields: { ...fields } });
    if (maxLength !== undefined && data.entries.length > maxLength) {
      data.entries.splice(0, data.entries.length - maxLength);
    }
    this.wake(stream);
    return formatStreamId(id);
  }

  async read(stream: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    this.life.assertOpen();
    const after = parseStreamId(options.after ?? "0");
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    const blockMs = requireInteger("blockMs", options.blockMs ?? 0, 0);
    return this.takeOrWait(stream, blockMs, () => {
      const entries = this.streams.get(stream)?.entries ?? [];
      const start = firstIndexAfter(entries, after);
      return entries.slice(start, start + count).map(toStreamEntry);
    });
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    this.life.assertOpen();
    const data = this.streamData(stream, true);
    if (!data.groups.has(group)) {
      data.groups.set(group, { lastDelivered: { ms: 0, seq: 0 }, pending: new Map() });
    }
  }

  async readGroup(
    stream: string,
    group: string,
    consumer: string,
    options: ReadGroupOptions = {},
  ): Promise<StreamEntry[]> {
    this.life.assertOpen();
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    const blockMs = requireInteger("blockMs", options.blockMs ?? 0, 0);
    const data = this.streamData(stream, false);
    const consumerGroup = data?.groups.get(group);
    if (data === undefined || consumerGroup === undefined) {
      throw new Error(`NOGROUP No such key "${stream}" or consumer group "${group}"`);
    }
    if (options.pending) return this.pendingFor(data, consumerGroup, consumer, count);
    return this.takeOrWait(stream, blockMs, () => {
      const start = firstIndexAfter(data.entries, consumerGroup.lastDelivered);
      const delivered = data.entries.slice(start, start + count);
      for (const entry of delivered) {
        consumerGroup.pending.set(formatStreamId(entry.id), {
          id: entry.id,
          consumer,
          deliveredAt: Date.now(),
        });
        consumerGroup.lastDelivered = entry.id;
      }
      return delivered.map(toStreamEntry);
    });
  }

  async claim(
    stream: string,
    group: string,
    consumer: string,
    options: { minIdleMs: number; count?: number },
  ): Promise<StreamEntry[]> {
    this.life.assertOpen();
    const minIdleMs = requireInteger("minIdleMs", options.minIdleMs, 0);
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    const data = this.streamData(stream, false);
    const consumerGroup = data?.groups.get(group);
    if (data === undefined || consumerGroup === undefined) {
      throw new Error(`NOGROUP No such key "${stream}" or consumer group "${group}"`);
    }
    const now = Date.now();
    const claimed: StreamEntry[] = [];
    for (const [key, pending] of consumerGroup.pending) {
      if (claimed.length === count) break;
      if (now - pending.deliveredAt < minIdleMs) continue;
      const index = firstIndexAfter(data.entries, pending.id) - 1;
      const entry = data.entries[index];
      // Trimmed from the stream meanwhile: nothing left to deliver (XAUTOCLAIM drops it too).
      if (entry === undefined || compareStreamIds(entry.id, pending.id) !== 0) {
        consumerGroup.pending.delete(key);
        continue;
      }
      pending.consumer = consumer;
      pending.deliveredAt = now;
      claimed.push(toStreamEntry(entry));
    }
    return claimed;
  }

  async ack(stream: string, group: string, ids: string[]): Promise<number> {
    this.life.assertOpen();
    const parsed = ids.map(parseStreamId);
    const pending = this.streams.get(stream)?.groups.get(group)?.pending;
    if (pending === undefined) return 0;
    return parsed.filter((id) => pending.delete(formatStreamId(id))).length;
  }

  async length(stream: string): Promise<number> {
    this.life.assertOpen();
    return this.streams.get(stream)?.entries.length ?? 0;
  }

  async trim(stream: string, options: TrimOptions): Promise<number> {
    this.life.assertOpen();
    let bound = parseStreamId(options.before);
    const data = this.streams.get(stream);
    if (data === undefined) return 0;
    // What each group still needs: its oldest pending entry, else what follows its last delivery.
    for (const group of data.groups.values()) {
      const needed = [...group.pending.values()].reduce(
        (oldest, pending) => (compareStreamIds(pending.id, oldest) < 0 ? pending.id : oldest),
        { ms: group.lastDelivered.ms, seq: group.lastDelivered.seq + 1 },
      );
      if (compareStreamIds(needed, bound) < 0) bound = needed;
    }
    // Entries below the bound: those at or below the id just before it.
    const removed = firstIndexAfter(data.entries, { ms: bound.ms, seq: bound.seq - 1 });
    data.entries.splice(0, removed);
    return removed;
  }

  /** Wakes every blocked reader; they see the closed state and resolve []. */
  close(): void {
    for (const stream of [...this.waiters.keys()]) this.wake(stream);
    this.streams.clear();
  }

  private streamData(stream: string, create: true): MemoryStreamData;
  private streamData(stream: string, create: false): MemoryStreamData | undefined;
  private streamData(stream: string, create: boolean): MemoryStreamData | undefined {
    let data = this.streams.get(stream);
    if (data === undefined && create) {
      data = { entries: [], lastId: { ms: 0, seq: 0 }, groups: new Map() };
      this.streams.set(stream, data);
    }
    return data;
  }

  /**
   * Like `XREADGROUP ... 0`: this consumer's first `count` pending entries, minus those
   * trimmed from the stream since delivery.
   */
  private pendingFor(
    data: MemoryStreamData,
    group: ConsumerGroup,
    consumer: string,
    count: number,
  ): StreamEntry[] {
    const result: StreamEntry[] = [];
    let seen = 0;
    for (const pending of group.pending.values()) {
      if (seen === count) break;
      if (pending.consumer !== consumer) continue;
      seen += 1;
      const index = firstIndexAfter(data.entries, pending.id) - 1;
      const entry = data.entries[index];
      if (entry !== undefined && compareStreamIds(entry.id, pending.id) === 0) {
        result.push(toStreamEntry(entry));
      }
    }
    return result;
  }

  /** Runs `take` until it returns entries, the wait budget runs out, or the stores close. */
  private async takeOrWait(
    stream: string,
    blockMs: number,
    take: () => StreamEntry[],
  ): Promise<StreamEntry[]> {
    const deadline = Date.now() + blockMs;
    let entries = take();
    while (entries.length === 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await this.waitForAppend(stream, remaining);
      if (this.life.closed) return [];
      // Another consumer of the same group may have taken the new entries: wait again.
      entries = take();
    }
    return entries;
  }

  private waitForAppend(stream: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiters.get(stream);
      if (waiters === undefined) {
        waiters = new Set();
        this.waiters.set(stream, waiters);
      }
      const streamWaiters = waiters;
      const wake = (): void => {
        clearTimeout(timer);
        streamWaiters.delete(wake);
        if (streamWaiters.size === 0 && this.waiters.get(stream) === streamWaiters) {
          this.waiters.delete(stream);
        }
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      streamWaiters.add(wake);
    });
  }

  private wake(stream: string): void {
    const waiters = this.waiters.get(stream);
    if (waiters !== undefined) for (const wake of [...waiters]) wake();
  }
}

/**
 * Creates in-process stores (kind `memory`): nothing is shared with other processes.
 * Pub/sub listeners run in a microtask, never inside `publish`; a listener that throws is
 * reported as a process warning and does not stop delivery to the others.
 */
export function createMemoryStores(): Stores {
  const life = new Lifecycle();
  const keyspace = new Keyspace();
  const pubsub = new MemoryPubSub(life);
  const events = new MemoryEventStream(life);
  const sets = new MemorySetStore(life);
  const rateLimiter = new MemoryRateLimiter(() => life.assertOpen());
  const sweeper = setInterval(() => {
    keyspace.sweep();
    rateLimiter.sweep();
  }, SWEEP_INTERVAL_MS);
  // The sweep only frees memory; it must not keep the process alive on its own.
  sweeper.unref();

  return {
    kind: "memory",
    kv: new MemoryKeyValueStore(life, keyspace),
    counters: new MemoryCounterStore(life, keyspace),
    sets,
    pubsub,
    events,
    rateLimiter,
    async ping() {
      life.assertOpen();
      return 0;
    },
    async time() {
      life.assertOpen();
      return Date.now();
    },
    async close() {
      if (life.closed) return;
      life.closed = true;
      clearInterval(sweeper);
      events.close();
      pubsub.clear();
      keyspace.clear();
      sets.clear();
      rateLimiter.clear();
    },
  };
}
