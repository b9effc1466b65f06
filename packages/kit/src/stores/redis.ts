/**
 * Redis stores: shared by every replica. One command connection, one lazily opened
 * subscriber connection for all channels, and lazily opened connections for blocking stream
 * reads so a waiting reader never holds up other commands.
 */
import Redis, { type RedisOptions } from "ioredis";
import { RampartError } from "../errors";
import {
  defineRateLimitCommand,
  RedisRateLimiter,
  type RateLimitConnection,
} from "./rate-limiter-redis";
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

/** Options for {@link createRedisStores}. */
export interface RedisStoresOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0` (`rediss://` for TLS). */
  url: string;
  /** Prepended to every key, stream name and pub/sub channel. Default `""`. */
  keyPrefix?: string;
  /** Limit in ms for connecting and for each awaited reply; past it Redis counts as down. Default 2000. */
  connectTimeoutMs?: number;
  /** Receives connection errors (Redis down, reconnect failures); commands reject regardless. Default: ignored. */
  onError?: (error: Error) => void;
}

/** Default `count` for stream reads, as documented in ./types.ts. */
const DEFAULT_COUNT = 100;
const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
/** How long a forced disconnect waits for the socket to close before destroying it. */
const DISCONNECT_TIMEOUT_MS = 200;
/** How long close() lets QUIT drain pending replies before dropping the connection. */
const QUIT_TIMEOUT_MS = 1_000;
/**
 * Longest pause between reconnect attempts: a Redis that comes back is in use again within
 * about this much (plus the handshake), and a refused attempt costs next to nothing.
 */
const MAX_RECONNECT_DELAY_MS = 250;

/**
 * What every command of a {@link createRedisStores} instance rejects with, at once, while its
 * circuit breaker is open (Redis known down): `SERVICE_UNAVAILABLE` (503) wherever it surfaces.
 */
export function storesUnavailable(): RampartError {
  return RampartError.unavailable("The shared store");
}

/**
 * Adds atomically and sets the window TTL only when this call created the key, in one round
 * trip. `PEXPIRE NX` would also stamp a TTL on a counter created earlier without one.
 */
const INCREMENT_SCRIPT = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value`;

/**
 * Compare-and-set: ARGV[1] is 1 when the key must be absent, else ARGV[2] is the value it must
 * hold; ARGV[3] is the new value, ARGV[4] a TTL in ms or 0 for none.
 */
const COMPARE_AND_SET_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1`;

/** The command connection once {@link INCREMENT_SCRIPT} and the others are defined on it. */
type CommandConnection = Redis &
  RateLimitConnection & {
    rampartIncrement(key: string, by: number, ttlMs: number): Promise<number>;
    rampartCompareAndSet(
      key: string,
      expectAbsent: 0 | 1,
      expected: string,
      value: string,
      ttlMs: number,
    ): Promise<0 | 1>;
  };

/** `[id, [field, value, ...]]`; fields are null for a pending entry trimmed since delivery. */
type RawEntry = [id: string, fields: string[] | null];
/** Reply of XREAD / XREADGROUP: null when nothing arrived before the block timed out. */
type RawStreamsReply = [stream: string, entries: RawEntry[]][] | null;

/** Rejects values Redis would refuse or read differently (fractions, zero, NaN). */
function requireInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function toStreamEntries(raw: RawEntry[]): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const [id, flat] of raw) {
    if (flat === null) continue;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    entries.push({ id, fields });
  }
  return entries;
}

/**
 * Lowers the bound (ARGV[1]) to what each consumer group still needs (its oldest pending
 * entry, else the id after its last delivered one), then `XTRIM MINID` (approximate when
 * ARGV[2] is 1). Ids are compared as numbers: `10-0` sorts after `9-0`.
 */
const TRIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function below(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  return am < bm or (am == bm and as < bs)
end
local bound = ARGV[1]
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last
  for i = 1, #group, 2 do
    if group[i] == 'name' then name = group[i + 1] end
    if group[i] == 'last-delivered-id' then last = group[i + 1] end
  end
  local pending = redis.call('XPENDING', KEYS[1], name)
  local needed
  if pending[1] > 0 then
    needed = pending[2]
  else
    local ms, seq = parse(last)
    needed = string.format('%d-%d', ms, seq + 1)
  end
  if below(needed, bound) then bound = needed end
end
if ARGV[2] == '1' then return redis.call('XTRIM', KEYS[1], 'MINID', '~', bound) end
return redis.call('XTRIM', KEYS[1], 'MINID', bound)`;

/** The bound as a full `<ms>-<seq>` id (the script compares those only); `<ms>` is `<ms>-0`. */
function trimBound(before: string): string {
  const match = /^(\d{1,15})(?:-(\d{1,15}))?$/.exec(before);
  if (match === null) {
    throw new RangeError(`trim's "before" must be a stream id <ms>-<seq>, not "${before}"`);
  }
  return `${match[1]}-${match[2] ?? "0"}`;
}

/** Entries of the single stream a read asked for. */
function firstStreamEntries(reply: RawStreamsReply): StreamEntry[] {
  return toStreamEntries(reply?.[0]?.[1] ?? []);
}

/** Closes a connection and resolves once its socket and timers are gone. */
async function shutdown(connection: Redis, graceful: boolean): Promise<void> {
  switch (connection.status) {
    case "end":
      return;
    case "wait":
      connection.disconnect(); // never connected: ends synchronously
      return;
    case "reconnecting":
      // The socket is already closed, so ioredis emits no "end" and its disconnect arms a
      // `disconnectTimeout` timer that nothing clears early (redis/ioredis#1247): wait it out
      // so that nothing of ours is left running once close() resolves.
      connection.disconnect();
      await new Promise((resolve) => setTimeout(resolve, DISCONNECT_TIMEOUT_MS + 10));
      return;
    default:
      await new Promise<void>((resolve) => {
        let fallback: NodeJS.Timeout | undefined;
        connection.once("end", () => {
          clearTimeout(fallback);
          resolve();
        });
        if (graceful && connection.status === "ready") {
          connection.quit().catch(() => connection.disconnect());
          // A server that stopped answering would never reply to QUIT.
          fallback = setTimeout(() => connection.disconnect(), QUIT_TIMEOUT_MS);
        } else {
          connection.disconnect();
        }
      });
  }
}

/**
 * Owns every connection of one {@link Stores} instance, and the circuit breaker of its command
 * connection: once that connection failed (a refused or lost socket: ioredis emits "error" or
 * "close"), Redis is known down and every command rejects at once with
 * {@link storesUnavailable} instead of waiting in the offline queue, until the connection is
 * "ready" again (ioredis reconnects by itself). Before the first failure commands do queue,
 * so that those issued during start-up wait for the first connection.
 */
class Connections {
  private readonly commandConnection: CommandConnection;
  closed = false;
  /** The breaker: set by a connection failure, cleared when the connection is ready again. */
  private down = false;
  private subscriberConnection: Redis | undefined;
  private readonly idleBlocking: Redis[] = [];
  private readonly busyBlocking = new Set<Redis>();
  /** Blocking connections dropped as dead, still shutting down. */
  private readonly dropping = new Set<Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly options: RedisOptions,
    /** Time allowed beyond a blocking command's own timeout. */
    private readonly graceMs: number,
    private readonly onError: (error: Error) => void,
  ) {
    // Commands issued in the same tick share one write (concurrent requests' session reads and
    // rate-limit scripts): fewer system calls on both sides, same order, same replies.
    const commands = this.open({ ...this.replyLimits(), enableAutoPipelining: true });
    commands.defineCommand("rampartIncrement", { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    commands.defineCommand("rampartCompareAndSet", {
      numberOfKeys: 1,
      lua: COMPARE_AND_SET_SCRIPT,
    });
    defineRateLimitCommand(commands);
    commands.on("ready", () => {
      this.down = false;
    });
    commands.on("error", () => {
      this.down = true;
    });
    commands.on("close", () => {
      this.down = true;
    });
    this.commandConnection = commands as CommandConnection;
  }

  /** Whether the breaker is open: Redis known down, so every command fails fast. */
  get unavailable(): boolean {
    return this.down && this.commandConnection.status !== "ready";
  }

  /** The command connection; throws {@link storesUnavailable} while Redis is known down. */
  get commands(): CommandConnection {
    if (this.unavailable && !this.closed) throw storesUnavailable();
    return this.commandConnection;
  }

  /** The pub/sub connection, opened on first use; `onMessage` is attached once. */
  subscriber(onMessage: (channel: string, message: string) => void): Redis {
    if (this.closed) throw new Error("Stores are closed");
    if (this.subscriberConnection === undefined) {
      this.subscriberConnection = this.open(this.replyLimits());
      this.subscriberConnection.on("message", onMessage);
    }
    return this.subscriberConnection;
  }

  /**
   * Runs a blocking command on a connection of its own, reusing idle ones. No reply within
   * `graceMs` after the block should have ended means a dead socket (or one that never
   * connected): the connection is dropped and the call rejects.
   */
  async blocking(
    command: string,
    args: (string | number)[],
    blockMs: number,
  ): Promise<RawStreamsReply> {
    if (this.closed) throw new Error("Stores are closed");
    const limitMs = blockMs + this.graceMs;
    // No reply limits here: a blocked read is silent by design; the deadline below covers it.
    const connection = this.idleBlocking.pop() ?? this.open({});
    this.busyBlocking.add(connection);
    let healthy = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        healthy = false;
        reject(new Error(`Redis did not answer ${command} within ${limitMs} ms`));
      }, limitMs);
    });
    try {
      return (await Promise.race([connection.call(command, ...args), deadline])) as RawStreamsReply;
    } catch (error) {
      // close() disconnects blocked readers on purpose: they get nothing, not an error.
      if (this.closed) return null;
      throw error;
    } finally {
      clearTimeout(timer);
      this.busyBlocking.delete(connection);
      // After close() the connection is already being shut down there.
      if (!healthy) {
        const dropped = shutdown(connection, false).finally(() => this.dropping.delete(dropped));
        this.dropping.add(dropped);
      } else if (!this.closed) {
        this.idleBlocking.push(connection);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const blocking = [...this.idleBlocking, ...this.busyBlocking];
    this.idleBlocking.length = 0;
    await Promise.all([
      shutdown(this.commandConnection, true),
      ...(this.subscriberConnection ? [shutdown(this.subscriberConnection, true)] : []),
      // QUIT would queue behind the blocked read; dropping the socket wakes the reader.
      ...blocking.map((connection) => shutdown(connection, false)),
      ...this.dropping,
    ]);
  }

  /**
   * Limits for connections whose replies are due at once. ioredis keeps a command that was
   * in flight when its socket died for re-sending after reconnecting, so without
   * `commandTimeout` it would wait for Redis to come back; `socketTimeout` replaces a socket
   * that went silent (a partition sends no RST) instead of waiting for TCP keep-alive.
   */
  private replyLimits(): RedisOptions {
    return { commandTimeout: this.graceMs, socketTimeout: this.graceMs };
  }

  private open(extra: RedisOptions): Redis {
    const connection = new Redis(this.url, { ...this.options, ...extra });
    connection.on("error", this.onError);
    return connection;
  }
}

class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly connections: Connections,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | null> {
    return this.connections.commands.get(this.prefix + key);
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.connections.commands.mget(keys.map((key) => this.prefix + key));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const name = this.prefix + key;
    const redis = this.connections.commands;
    let reply: string | null;
    if (options.ttlMs === undefined) {
      reply = options.onlyIfAbsent
        ? await redis.set(name, value, "NX")
        : await redis.set(name, value);
    } else {
      const ttlMs = requireInteger("ttlMs", options.ttlMs, 1);
      reply = options.onlyIfAbsent
        ? await redis.set(name, value, "PX", ttlMs, "NX")
        : await redis.set(name, value, "PX", ttlMs);
    }
    return reply === "OK";
  }

  async compareAndSet(
    key: string,
    expected: string | null,
    value: string,
    options: { ttlMs?: number } = {},
  ): Promise<boolean> {
    const ttlMs = options.ttlMs === undefined ? 0 : requireInteger("ttlMs", options.ttlMs, 1);
    const written = await this.connections.commands.rampartCompareAndSet(
      this.prefix + key,
      expected === null ? 1 : 0,
      expected ?? "",
      value,
      ttlMs,
    );
    return written === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.connections.commands.del(this.prefix + key)) === 1;
  }

  async ttlMs(key: string): Promise<number | null> {
    // -2: missing, -1: no expiry.
    const ttl = await this.connections.commands.pttl(this.prefix + key);
    return ttl < 0 ? null : ttl;
  }
}

class RedisCounterStore implements CounterStore {
  constructor(
    private readonly connections: Connections,
    private readonly prefix: string,
  ) {}

  async increment(key: string, options: IncrementOptions = {}): Promise<number> {
    const by = requireInteger("by", options.by ?? 1, Number.MIN_SAFE_INTEGER);
    const ttlMs = options.ttlMs === undefined ? 0 : requireInteger("ttlMs", options.ttlMs, 1);
    return this.connections.commands.rampartIncrement(this.prefix + key, by, ttlMs);
  }

  async get(key: string): Promise<number> {
    const value = await this.connections.commands.get(this.prefix + key);
    return value === null ? 0 : Number(value);
  }

  async reset(key: string): Promise<void> {
    await this.connections.commands.del(this.prefix + key);
  }
}

class RedisSetStore implements SetStore {
  constructor(
    private readonly connections: Connections,
    private readonly prefix: string,
  ) {}

  async add(
    key: string,
    members: readonly string[],
    options: { ttlMs?: number } = {},
  ): Promise<void> {
    if (members.length === 0) return;
    const name = this.prefix + key;
    const transaction = this.connections.commands.multi().sadd(name, ...members);
    if (options.ttlMs !== undefined)
      transaction.pexpire(name, requireInteger("ttlMs", options.ttlMs, 1));
    const replies = await transaction.exec();
    const failed = replies?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }

  async remove(key: string, members: readonly string[]): Promise<void> {
    if (members.length > 0) await this.connections.commands.srem(this.prefix + key, ...members);
  }

  async members(key: string): Promise<string[]> {
    return this.connections.commands.smembers(this.prefix + key);
  }
}

interface Subscription {
  listener: (message: string) => void;
}

interface ChannelSubscriptions {
  subscriptions: Set<Subscription>;
  /** Settles when Redis confirmed the SUBSCRIBE. */
  subscribed: Promise<unknown>;
}

class RedisPubSub implements PubSub {
  /** By prefixed channel name. */
  private readonly channels = new Map<string, ChannelSubscriptions>();
  private readonly onMessage = (channel: string, message: string): void => {
    const entry = this.channels.get(channel);
    if (entry === undefined) return;
    for (const subscription of [...entry.subscriptions]) {
      try {
        subscription.listener(message);
      } catch (error) {
        process.emitWarning(`listener on channel "${channel}" threw: ${String(error)}`, {
          type: "PubSubListenerError",
        });
      }
    }
  };

  constructor(
    private readonly connections: Connections,
    private readonly prefix: string,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.connections.commands.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<Unsubscribe> {
    const name = this.prefix + channel;
    const subscription: Subscription = { listener };
    let entry = this.channels.get(name);
    if (entry === undefined) {
      const subscriber = this.connections.subscriber(this.onMessage);
      entry = { subscriptions: new Set(), subscribed: subscriber.subscribe(name) };
      this.channels.set(name, entry);
    }
    const channelEntry = entry;
    channelEntry.subscriptions.add(subscription);
    try {
      await channelEntry.subscribed;
    } catch (error) {
      await this.remove(name, channelEntry, subscription);
      throw error;
    }
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      await this.remove(name, channelEntry, subscription);
    };
  }

  private async remove(name: string, entry: ChannelSubscriptions, subscription: Subscription) {
    entry.subscriptions.delete(subscription);
    if (entry.subscriptions.size > 0 || this.channels.get(name) !== entry) return;
    this.channels.delete(name);
    if (this.connections.closed) return;
    // The listener is already gone locally; a failed UNSUBSCRIBE only leaves messages that
    // nobody receives, so it must not fail the caller.
    await this.connections
      .subscriber(this.onMessage)
      .unsubscribe(name)
      .catch(() => undefined);
  }
}

class RedisEventStream implements EventStream {
  constructor(
    private readonly connections: Connections,
    private readonly prefix: string,
  ) {}

  async append(
    stream: string,
    fields: Record<string, string>,
    options: { maxLength?: number } = {},
  ): Promise<string> {
    const flat = Object.entries(fields).flat();
    if (flat.length === 0) throw new RangeError("a stream entry needs at least one field");
    const trim =
      options.maxLength === undefined
        ? []
        : ["MAXLEN", "~", requireInteger("maxLength", options.maxLength, 1)];
    const id = await this.connections.commands.xadd(this.prefix + stream, ...trim, "*", ...flat);
    if (id === null) throw new Error(`XADD to "${stream}" returned no id`);
    return id;
  }

  async read(stream: string, options: ReadOptions = {}): Promise<StreamEntry[]> {
    const after = options.after ?? "0";
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    const blockMs = requireInteger("blockMs", options.blockMs ?? 0, 0);
    const name = this.prefix + stream;
    if (blockMs === 0) {
      // `(` makes the start exclusive, matching XREAD's "after this id".
      const raw = await this.connections.commands.xrange(name, `(${after}`, "+", "COUNT", count);
      return toStreamEntries(raw);
    }
    const reply = await this.connections.blocking(
      "XREAD",
      ["COUNT", count, "BLOCK", blockMs, "STREAMS", name, after],
      blockMs,
    );
    return firstStreamEntries(reply);
  }

  async ensureGroup(stream: string, group: string): Promise<void> {
    try {
      await this.connections.commands.xgroup(
        "CREATE",
        this.prefix + stream,
        group,
        "0",
        "MKSTREAM",
      );
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("BUSYGROUP"))) throw error;
    }
  }

  async readGroup(
    stream: string,
    group: string,
    consumer: string,
    options: ReadGroupOptions = {},
  ): Promise<StreamEntry[]> {
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    const blockMs = requireInteger("blockMs", options.blockMs ?? 0, 0);
    const name = this.prefix + stream;
    const head = ["GROUP", group, consumer, "COUNT", count];
    // `0` lists this consumer's pending entries and never blocks; `>` takes new ones.
    if (options.pending || blockMs === 0) {
      const id = options.pending ? "0" : ">";
      const reply = await this.connections.commands.call(
        "XREADGROUP",
        ...head,
        "STREAMS",
        name,
        id,
      );
      return firstStreamEntries(reply as RawStreamsReply);
    }
    const reply = await this.connections.blocking(
      "XREADGROUP",
      [...head, "BLOCK", blockMs, "STREAMS", name, ">"],
      blockMs,
    );
    return firstStreamEntries(reply);
  }

  async claim(
    stream: string,
    group: string,
    consumer: string,
    options: { minIdleMs: number; count?: number },
  ): Promise<StreamEntry[]> {
    const minIdleMs = requireInteger("minIdleMs", options.minIdleMs, 0);
    const count = requireInteger("count", options.count ?? DEFAULT_COUNT, 1);
    // One page from the start of the pending list: [next start, entries, deleted ids].
    const reply = (await this.connections.commands.call(
      "XAUTOCLAIM",
      this.prefix + stream,
      group,
      consumer,
      minIdleMs,
      "0-0",
      "COUNT",
      count,
    )) as [string, RawEntry[], string[]?];
    return toStreamEntries(reply[1] ?? []);
  }

  async ack(stream: string, group: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.connections.commands.xack(this.prefix + stream, group, ...ids);
  }

  async length(stream: string): Promise<number> {
    return this.connections.commands.xlen(this.prefix + stream);
  }

  async trim(stream: string, options: TrimOptions): Promise<number> {
    const before = trimBound(options.before);
    // One script, so that no group can move between reading its position and the trim.
    const removed = await this.connections.commands.eval(
      TRIM_SCRIPT,
      1,
      this.prefix + stream,
      before,
      options.approximate ? "1" : "0",
    );
    return Number(removed);
  }
}

/**
 * Creates Redis-backed stores (kind `redis`). Once a connection to Redis failed, every call
 * rejects at once with {@link storesUnavailable} (`SERVICE_UNAVAILABLE`) until the connection
 * is back; a command in flight when Redis went away, or issued before the first connection,
 * rejects within `connectTimeoutMs` (blocking reads: their block time plus that). Every
 * connection keeps reconnecting in the background, at least every 250 ms, until `close()`.
 */
export function createRedisStores(options: RedisStoresOptions): Stores {
  const prefix = options.keyPrefix ?? "";
  const connectTimeoutMs = requireInteger(
    "connectTimeoutMs",
    options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    1,
  );
  const connections = new Connections(
    options.url,
    {
      connectTimeout: connectTimeoutMs,
      // The offline queue lets commands issued during start-up wait for the first connection;
      // once a connection failed, the breaker (see Connections) rejects them instead, and
      // commandTimeout still bounds each command in flight.
      enableOfflineQueue: true,
      maxRetriesPerRequest: 1,
      // Reconnect forever, backing off to one attempt per MAX_RECONNECT_DELAY_MS.
      retryStrategy: (attempt) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    },
    connectTimeoutMs,
    options.onError ?? (() => undefined),
  );

  return {
    kind: "redis",
    kv: new RedisKeyValueStore(connections, prefix),
    counters: new RedisCounterStore(connections, prefix),
    sets: new RedisSetStore(connections, prefix),
    pubsub: new RedisPubSub(connections, prefix),
    events: new RedisEventStream(connections, prefix),
    // Through the breaker: each decision fetches the command connection anew.
    rateLimiter: new RedisRateLimiter(
      {
        rampartRateLimit: (...args) => connections.commands.rampartRateLimit(...args),
      },
      prefix,
    ),
    async ping() {
      const started = performance.now();
      await connections.commands.ping(); // bounded by commandTimeout like every command
      return performance.now() - started;
    },
    async time() {
      const [seconds, microseconds] = await connections.commands.time();
      return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
    },
    close: () => connections.close(),
  };
}
