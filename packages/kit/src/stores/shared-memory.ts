import fs from "node:fs";
import net from "node:net";
import { deliver } from "./memory";
import type { RateLimitCheck, RateLimitRule, Stores, Unsubscribe } from "./types";

/**
 * In-memory stores shared by the processes of one machine: the embedded default's answer to
 * "several processes, no Redis". `npm start`'s launcher holds the stores and serves them on a
 * Unix socket; the gateway and subgraphs use them through {@link connectSharedMemoryStores}.
 * The protocol is newline-delimited JSON: `{id, op, args}` requests, `{id, ok, value | error}`
 * replies, and `{push: channel, message}` for pub/sub deliveries. Development only: production
 * requires Redis.
 */

type Operation = (stores: Stores, args: unknown[]) => Promise<unknown>;

/** Every store method that can be called over the socket (pub/sub subscriptions aside). */
const operations: Record<string, Operation> = {
  "kv.get": (s, [key]) => s.kv.get(key as string),
  "kv.getMany": (s, [keys]) => s.kv.getMany(keys as string[]),
  "kv.set": (s, [key, value, options]) =>
    s.kv.set(key as string, value as string, options as object),
  "kv.compareAndSet": (s, [key, expected, value, options]) =>
    // The transport turns null into undefined; "absent" is null again here.
    s.kv.compareAndSet(
      key as string,
      (expected as string | undefined) ?? null,
      value as string,
      options as object,
    ),
  "kv.delete": (s, [key]) => s.kv.delete(key as string),
  "kv.ttlMs": (s, [key]) => s.kv.ttlMs(key as string),
  "counters.increment": (s, [key, options]) =>
    s.counters.increment(key as string, options as object),
  "counters.get": (s, [key]) => s.counters.get(key as string),
  "counters.reset": (s, [key]) => s.counters.reset(key as string),
  "sets.add": (s, [key, members, options]) =>
    s.sets.add(key as string, members as string[], options as object),
  "sets.remove": (s, [key, members]) => s.sets.remove(key as string, members as string[]),
  "sets.members": (s, [key]) => s.sets.members(key as string),
  "pubsub.publish": (s, [channel, message]) =>
    s.pubsub.publish(channel as string, message as string),
  "events.append": (s, [stream, fields, options]) =>
    s.events.append(stream as string, fields as Record<string, string>, options as object),
  "events.read": (s, [stream, options]) => s.events.read(stream as string, options as object),
  "events.ensureGroup": (s, [stream, group]) =>
    s.events.ensureGroup(stream as string, group as string),
  "events.readGroup": (s, [stream, group, consumer, options]) =>
    s.events.readGroup(stream as string, group as string, consumer as string, options as object),
  "events.claim": (s, [stream, group, consumer, options]) =>
    s.events.claim(
      stream as string,
      group as string,
      consumer as string,
      options as { minIdleMs: number; count?: number },
    ),
  "events.ack": (s, [stream, group, ids]) =>
    s.events.ack(stream as string, group as string, ids as string[]),
  "events.length": (s, [stream]) => s.events.length(stream as string),
  "events.trim": (s, [stream, options]) =>
    s.events.trim(stream as string, options as { before: string }),
  "rateLimiter.consume": (s, [key, rule, cost]) =>
    s.rateLimiter.consume(key as string, rule as RateLimitRule, cost as number | undefined),
  "rateLimiter.consumeAll": (s, [checks]) => s.rateLimiter.consumeAll(checks as RateLimitCheck[]),
  ping: (s) => s.ping(),
  time: (s) => s.time(),
};

/** Reads newline-delimited JSON messages from a socket. */
function onMessages(socket: net.Socket, handle: (message: Record<string, unknown>) => void): void {
  let buffered = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line) handle(JSON.parse(line) as Record<string, unknown>);
    }
  });
}

const send = (socket: net.Socket, message: unknown): void => {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
};

/** A running store server. */
export interface SharedMemoryStoreServer {
  /** The Unix socket path clients connect to. */
  readonly socketPath: string;
  /** Stops serving and closes the stores. */
  close(): Promise<void>;
}

/** Serves `stores` on a Unix socket at `socketPath` (replacing a stale socket file). */
export async function serveSharedMemoryStores(
  stores: Stores,
  socketPath: string,
): Promise<SharedMemoryStoreServer> {
  fs.rmSync(socketPath, { force: true });
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    const subscriptions = new Map<string, Unsubscribe>();
    socket.on("close", () => {
      connections.delete(socket);
      for (const unsubscribe of subscriptions.values()) void unsubscribe();
    });
    socket.on("error", () => socket.destroy());
    onMessages(socket, (request) => {
      const { id, op } = request as { id: number; op: string };
      // JSON turns an omitted trailing argument (undefined) into null; turn it back.
      const args = ((request.args as unknown[] | undefined) ?? []).map((arg) => arg ?? undefined);
      const reply = (promise: Promise<unknown>) =>
        promise.then(
          (value) => send(socket, { id, ok: true, value: value ?? null }),
          (error: Error) => send(socket, { id, ok: false, error: error.message, name: error.name }),
        );
      if (op === "pubsub.subscribe") {
        const channel = String(args[0]);
        if (subscriptions.has(channel)) return void reply(Promise.resolve());
        return void reply(
          stores.pubsub
            .subscribe(channel, (message) => send(socket, { push: channel, message }))
            .then((unsubscribe) => {
              subscriptions.set(channel, unsubscribe);
            }),
        );
      }
      if (op === "pubsub.unsubscribe") {
        const channel = String(args[0]);
        const unsubscribe = subscriptions.get(channel);
        subscriptions.delete(channel);
        return void reply(unsubscribe ? unsubscribe() : Promise.resolve());
      }
      const operation = operations[op];
      void reply(
        operation ? operation(stores, args) : Promise.reject(new Error(`unknown operation ${op}`)),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  fs.chmodSync(socketPath, 0o600);
  return {
    socketPath,
    async close() {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stores.close();
    },
  };
}

/** Connects to stores served by {@link serveSharedMemoryStores}. Calls reject once it is gone. */
export function connectSharedMemoryStores(socketPath: string): Stores {
  const socket = net.connect(socketPath);
  const pending = new Map<
    number,
    { op: string; resolve(value: unknown): void; reject(error: Error): void }
  >();
  const listeners = new Map<string, Set<(message: string) => void>>();
  let nextId = 0;
  let failure: Error | null = null;
  socket.unref();

  onMessages(socket, (message) => {
    if ("push" in message) {
      for (const listener of listeners.get(String(message.push)) ?? []) {
        queueMicrotask(() => deliver(String(message.push), { listener }, String(message.message)));
      }
      return;
    }
    const request = pending.get(message.id as number);
    pending.delete(message.id as number);
    if (message.ok) request?.resolve(message.value);
    else
      request?.reject(
        new (message.name === "RangeError" ? RangeError : Error)(String(message.error)),
      );
  });
  const fail = (error: Error) => {
    failure ??= error;
    for (const request of pending.values()) request.reject(failure);
    pending.clear();
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("shared-memory store server closed")));

  const call = <T>(op: string, ...args: unknown[]): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = ++nextId;
    // A request keeps the process alive while it waits, as a socket to Redis would.
    socket.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { op, resolve: resolve as (value: unknown) => void, reject });
      send(socket, { id, op, args });
    }).finally(() => {
      if (pending.size === 0 && listeners.size === 0) socket.unref();
    });
  };

  return {
    kind: "memory",
    kv: {
      get: (key) => call("kv.get", key),
      getMany: (keys) => call("kv.getMany", keys),
      set: (key, value, options) => call("kv.set", key, value, options),
      compareAndSet: (key, expected, value, options) =>
        call("kv.compareAndSet", key, expected, value, options),
      delete: (key) => call("kv.delete", key),
      ttlMs: (key) => call("kv.ttlMs", key),
    },
    counters: {
      increment: (key, options) => call("counters.increment", key, options),
      get: (key) => call("counters.get", key),
      reset: (key) => call("counters.reset", key),
    },
    sets: {
      add: (key, members, options) => call("sets.add", key, members, options),
      remove: (key, members) => call("sets.remove", key, members),
      members: (key) => call("sets.members", key),
    },
    pubsub: {
      publish: (channel, message) => call("pubsub.publish", channel, message),
      async subscribe(channel, listener) {
        const channelListeners = listeners.get(channel) ?? new Set();
        if (channelListeners.size === 0) await call("pubsub.subscribe", channel);
        channelListeners.add(listener);
        listeners.set(channel, channelListeners);
        socket.ref();
        return async () => {
          channelListeners.delete(listener);
          if (channelListeners.size > 0) return;
          listeners.delete(channel);
          await call("pubsub.unsubscribe", channel);
        };
      },
    },
    events: {
      append: (stream, fields, options) => call("events.append", stream, fields, options),
      read: (stream, options) => call("events.read", stream, options),
      ensureGroup: (stream, group) => call("events.ensureGroup", stream, group),
      readGroup: (stream, group, consumer, options) =>
        call("events.readGroup", stream, group, consumer, options),
      claim: (stream, group, consumer, options) =>
        call("events.claim", stream, group, consumer, options),
      ack: (stream, group, ids) => call("events.ack", stream, group, ids),
      length: (stream) => call("events.length", stream),
      trim: (stream, options) => call("events.trim", stream, options),
    },
    rateLimiter: {
      consume: (key, rule, cost) => call("rateLimiter.consume", key, rule, cost),
      consumeAll: (checks) => call("rateLimiter.consumeAll", checks),
    },
    ping: async () => {
      const started = performance.now();
      await call("ping");
      return performance.now() - started;
    },
    time: () => call("time"),
    async close() {
      listeners.clear();
      // As with the other implementations, closing wakes blocked readers with nothing.
      for (const [id, request] of pending) {
        if (request.op === "events.read" || request.op === "events.readGroup") {
          pending.delete(id);
          request.resolve([]);
        }
      }
      fail(new Error("stores are closed"));
      socket.destroy();
    },
  };
}
