/**
 * One suite, two implementations: every store contract in src/stores/types.ts is checked
 * against the in-memory stores and against a real Redis (when the Jest global setup found one
 * answering). Each test gets its own key prefix, and the run's keys are deleted afterwards, so
 * parallel runs never collide.
 */
import { randomUUID } from "node:crypto";
import net, { type AddressInfo } from "node:net";
import Redis from "ioredis";
import os from "node:os";
import path from "node:path";
import {
  connectSharedMemoryStores,
  createMemoryStores,
  createRedisStores,
  serveSharedMemoryStores,
  type SharedMemoryStoreServer,
  type Stores,
  type StreamEntry,
} from "../../src/stores";
import { freePort } from "../../src/testing/processes";
import { testServices } from "../../src/testing/services";

/** Unset when Redis did not answer the global setup: the Redis half is skipped then. */
const { redisUrl } = testServices();
const runPrefix = `test:${randomUUID()}:`;
let prefixes = 0;
/** A prefix of its own for each test, inside this run's prefix. */
const nextPrefix = (): string => `${runPrefix}${++prefixes}:`;

interface Implementation {
  name: string;
  kind: Stores["kind"];
  create(keyPrefix: string): Stores;
}

/** The launcher's shared stores, served on a socket; each test gets a server of its own. */
const sharedMemoryServers: SharedMemoryStoreServer[] = [];
function sharedMemoryStores(): Stores {
  const socketPath = path.join(os.tmpdir(), `rampart-stores-${randomUUID()}.sock`);
  const serving = serveSharedMemoryStores(createMemoryStores(), socketPath).then((server) => {
    sharedMemoryServers.push(server);
  });
  // The client is created once the server listens; calls made before are queued by the promise.
  let client: Stores | undefined;
  const ready = serving.then(() => (client = connectSharedMemoryStores(socketPath)));
  const lazy = <T extends object>(pick: (stores: Stores) => T): T =>
    new Proxy({} as T, {
      get:
        (_target, property) =>
        async (...args: unknown[]) => {
          const target = pick(client ?? (await ready)) as Record<
            string | symbol,
            (...a: unknown[]) => unknown
          >;
          return target[property](...args);
        },
    });
  return {
    kind: "memory",
    kv: lazy((s) => s.kv),
    counters: lazy((s) => s.counters),
    sets: lazy((s) => s.sets),
    pubsub: lazy((s) => s.pubsub),
    events: lazy((s) => s.events),
    rateLimiter: lazy((s) => s.rateLimiter),
    ping: async () => (client ?? (await ready)).ping(),
    time: async () => (client ?? (await ready)).time(),
    close: async () => {
      await (client ?? (await ready)).close();
      await Promise.all(sharedMemoryServers.splice(0).map((server) => server.close()));
    },
  };
}

const implementations: Implementation[] = [
  { name: "memory", kind: "memory", create: () => createMemoryStores() },
  { name: "shared-memory (socket)", kind: "memory", create: () => sharedMemoryStores() },
  ...(redisUrl === undefined
    ? []
    : [
        {
          name: "redis",
          kind: "redis" as const,
          create: (keyPrefix: string) => createRedisStores({ url: redisUrl, keyPrefix }),
        },
      ]),
];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Collects pub/sub messages; `waitFor(n)` resolves once n have arrived, or fails after 2 s. */
function collector() {
  const messages: string[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    messages,
    listener: (message: string): void => {
      messages.push(message);
      if (waiting !== undefined && messages.length >= waiting.count) waiting.resolve();
    },
    waitFor(count: number): Promise<void> {
      if (messages.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} messages, got ${JSON.stringify(messages)}`)),
          2_000,
        );
        waiting = {
          count,
          resolve: () => {
            clearTimeout(timer);
            waiting = undefined;
            resolve();
          },
        };
      });
    },
  };
}

/** Stream ids compared as `<ms>-<seq>` number pairs. */
function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(BigInt);
  const [bMs, bSeq] = b.split("-").map(BigInt);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}

const ids = (entries: StreamEntry[]): string[] => entries.map((entry) => entry.id);
const ns = (entries: StreamEntry[]): string[] => entries.map((entry) => entry.fields.n);

afterAll(async () => {
  if (redisUrl === undefined) return;
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await admin.keys(`${runPrefix}*`);
    if (keys.length > 0) await admin.unlink(...keys);
  } finally {
    await admin.quit();
  }
});

describe.each(implementations)("$name stores", ({ name, kind, create }) => {
  let stores: Stores;

  beforeEach(() => {
    stores = create(nextPrefix());
  });

  afterEach(async () => {
    await stores.close();
  });

  it(`reports kind "${kind}"`, () => {
    expect(stores.kind).toBe(kind);
  });

  describe("key-value", () => {
    it("gets, sets, overwrites and deletes", async () => {
      const { kv } = stores;
      expect(await kv.get("a")).toBeNull();
      expect(await kv.set("a", "1")).toBe(true);
      expect(await kv.set("b", "other")).toBe(true);
      expect(await kv.get("a")).toBe("1");
      expect(await kv.set("a", "2")).toBe(true);
      expect(await kv.get("a")).toBe("2");
      expect(await kv.ttlMs("a")).toBeNull();
      expect(await kv.delete("a")).toBe(true);
      expect(await kv.delete("a")).toBe(false);
      expect(await kv.get("a")).toBeNull();
      expect(await kv.get("b")).toBe("other");
    });

    it("expires entries after their TTL", async () => {
      const { kv } = stores;
      await kv.set("short", "v", { ttlMs: 1_000 });
      const ttl = await kv.ttlMs("short");
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1_000);
      expect(await kv.get("short")).toBe("v");
      await sleep(1_100);
      expect(await kv.get("short")).toBeNull();
      expect(await kv.ttlMs("short")).toBeNull();
      expect(await kv.ttlMs("never-set")).toBeNull();
    });

    it("drops the TTL when a key is overwritten without one", async () => {
      const { kv } = stores;
      await kv.set("k", "temporary", { ttlMs: 1_000 });
      await kv.set("k", "permanent");
      expect(await kv.ttlMs("k")).toBeNull();
      await sleep(1_100);
      expect(await kv.get("k")).toBe("permanent");
    });

    it("tells the time by the store's own clock", async () => {
      const before = Date.now();
      const time = await stores.time();
      // The same machine here: within a second of this process's clock.
      expect(Math.abs(time - before)).toBeLessThan(1_000);
    });

    it("compares and sets atomically: one of many racing writers wins", async () => {
      const { kv } = stores;
      expect(await kv.compareAndSet("cas", "x", "never")).toBe(false);
      expect(await kv.get("cas")).toBeNull();
      expect(await kv.compareAndSet("cas", null, "v1", { ttlMs: 60_000 })).toBe(true);
      expect(await kv.compareAndSet("cas", null, "again")).toBe(false);
      expect(await kv.ttlMs("cas")).toBeGreaterThan(0);
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, n) => kv.compareAndSet("cas", "v1", `v2-${n}`)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await kv.get("cas")).toBe(`v2-${wins.indexOf(true)}`);
      expect(await kv.compareAndSet("cas", `v2-${wins.indexOf(true)}`, "v3")).toBe(true);
      expect(await kv.ttlMs("cas")).toBeNull();
    });

    it("writes with onlyIfAbsent only when the key is missing or expired", async () => {
      const { kv } = stores;
      expect(await kv.set("lock", "a", { onlyIfAbsent: true, ttlMs: 1_000 })).toBe(true);
      expect(await kv.set("lock", "b", { onlyIfAbsent: true })).toBe(false);
      expect(await kv.get("lock")).toBe("a");
      await sleep(1_100);
      expect(await kv.set("lock", "c", { onlyIfAbsent: true })).toBe(true);
      expect(await kv.get("lock")).toBe("c");
    });

    it("lets exactly one of many concurrent onlyIfAbsent writers win", async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores.kv.set("leader", `node-${i}`, { onlyIfAbsent: true }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await stores.kv.get("leader")).toBe(`node-${results.indexOf(true)}`);
    });

    it("rejects TTLs that are not a positive whole number of ms", async () => {
      await expect(stores.kv.set("k", "v", { ttlMs: 0 })).rejects.toThrow(RangeError);
      await expect(stores.kv.set("k", "v", { ttlMs: 1.5 })).rejects.toThrow(RangeError);
      expect(await stores.kv.get("k")).toBeNull();
    });
  });

  describe("getMany and sets", () => {
    it("reads several keys in one call, in order", async () => {
      await stores.kv.set("a", "1");
      await stores.kv.set("c", "3");
      expect(await stores.kv.getMany(["a", "b", "c"])).toEqual(["1", null, "3"]);
      expect(await stores.kv.getMany([])).toEqual([]);
    });

    it("adds, lists and removes set members", async () => {
      await stores.sets.add("s", ["x", "y"]);
      await stores.sets.add("s", ["y", "z"]);
      expect((await stores.sets.members("s")).sort()).toEqual(["x", "y", "z"]);
      await stores.sets.remove("s", ["x", "z"]);
      expect(await stores.sets.members("s")).toEqual(["y"]);
      expect(await stores.sets.members("missing")).toEqual([]);
    });

    it("expires a set after its TTL", async () => {
      await stores.sets.add("short", ["x"], { ttlMs: 1_000 });
      expect(await stores.sets.members("short")).toEqual(["x"]);
      await sleep(1_100);
      expect(await stores.sets.members("short")).toEqual([]);
    });
  });

  describe("counters", () => {
    it("increments, reads and resets", async () => {
      const { counters } = stores;
      expect(await counters.get("c")).toBe(0);
      expect(await counters.increment("c")).toBe(1);
      expect(await counters.increment("c", { by: 5 })).toBe(6);
      expect(await counters.increment("c", { by: -2 })).toBe(4);
      expect(await counters.get("c")).toBe(4);
      await counters.reset("c");
      expect(await counters.get("c")).toBe(0);
      expect(await counters.increment("c")).toBe(1);
      await expect(counters.increment("c", { by: 0.5 })).rejects.toThrow(RangeError);
    });

    it("is atomic under 200 concurrent increments", async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, () => stores.counters.increment("hits", { ttlMs: 60_000 })),
      );
      // Every intermediate value is returned exactly once.
      expect([...results].sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, i) => i + 1),
      );
      expect(await stores.counters.get("hits")).toBe(200);
    });

    it("sets the TTL window on the first increment only", async () => {
      const { counters } = stores;
      expect(await counters.increment("window", { ttlMs: 1_000 })).toBe(1);
      // The window started before this, so it ends by started + 1_000.
      const started = Date.now();
      await sleep(100);
      // A later TTL must not extend the window.
      expect(await counters.increment("window", { ttlMs: 60_000 })).toBe(2);
      expect(await counters.get("window")).toBe(2);
      await sleep(1_300 - (Date.now() - started));
      expect(await counters.get("window")).toBe(0);
      expect(await counters.increment("window", { ttlMs: 1_000 })).toBe(1);
    });

    it("does not give a TTL to a counter created without one", async () => {
      const { counters } = stores;
      expect(await counters.increment("forever")).toBe(1);
      expect(await counters.increment("forever", { ttlMs: 50 })).toBe(2);
      await sleep(100);
      expect(await counters.get("forever")).toBe(2);
    });
  });

  describe("pub/sub", () => {
    it("delivers in order to subscribers of the channel and stops after unsubscribe", async () => {
      const { pubsub } = stores;
      const leaving = collector();
      const staying = collector();
      const elsewhere = collector();
      const unsubscribe = await pubsub.subscribe("news", leaving.listener);
      await pubsub.subscribe("news", staying.listener);
      await pubsub.subscribe("sports", elsewhere.listener);

      await pubsub.publish("news", "a");
      await pubsub.publish("news", "b");
      await leaving.waitFor(2);
      expect(leaving.messages).toEqual(["a", "b"]);

      await unsubscribe();
      await unsubscribe(); // a second call is a no-op
      await pubsub.publish("news", "c");
      // "c" reaching the remaining subscriber means it would have reached the other by now.
      await staying.waitFor(3);
      expect(staying.messages).toEqual(["a", "b", "c"]);
      expect(leaving.messages).toEqual(["a", "b"]);
      expect(elsewhere.messages).toEqual([]);
    });

    it("resubscribes a channel after its last listener left", async () => {
      const { pubsub } = stores;
      const first = collector();
      const unsubscribe = await pubsub.subscribe("ch", first.listener);
      await unsubscribe();
      const second = collector();
      await pubsub.subscribe("ch", second.listener);
      await pubsub.publish("ch", "again");
      await second.waitFor(1);
      expect(second.messages).toEqual(["again"]);
      expect(first.messages).toEqual([]);
    });

    it("never calls a listener inside publish", async () => {
      const inbox = collector();
      await stores.pubsub.subscribe("ch", inbox.listener);
      const published = stores.pubsub.publish("ch", "m");
      expect(inbox.messages).toEqual([]);
      await published;
      await inbox.waitFor(1);
      expect(inbox.messages).toEqual(["m"]);
    });

    it("keeps delivering to other listeners when one throws", async () => {
      const warn = jest.spyOn(process, "emitWarning").mockImplementation(() => undefined);
      try {
        const inbox = collector();
        await stores.pubsub.subscribe("ch", () => {
          throw new Error("listener bug");
        });
        await stores.pubsub.subscribe("ch", inbox.listener);
        await stores.pubsub.publish("ch", "m");
        await inbox.waitFor(1);
        expect(inbox.messages).toEqual(["m"]);
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0][0])).toContain("listener bug");
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe("event stream", () => {
    it("appends with increasing ids and reads in order, `after` being exclusive", async () => {
      const { events } = stores;
      const appended: string[] = [];
      for (let i = 1; i <= 5; i++)
        appended.push(await events.append("s", { n: String(i), kind: "x" }));
      for (const id of appended) expect(id).toMatch(/^\d+-\d+$/);
      for (let i = 1; i < appended.length; i++)
        expect(compareIds(appended[i - 1], appended[i])).toBe(-1);

      expect(await events.read("s")).toEqual(
        appended.map((id, i) => ({ id, fields: { n: String(i + 1), kind: "x" } })),
      );
      expect(ids(await events.read("s", { after: appended[1] }))).toEqual(appended.slice(2));
      expect(ids(await events.read("s", { after: appended[0], count: 2 }))).toEqual(
        appended.slice(1, 3),
      );
      expect(await events.read("s", { after: appended[4] })).toEqual([]);
      expect(await events.length("s")).toBe(5);
      expect(await events.read("missing")).toEqual([]);
      expect(await events.length("missing")).toBe(0);
    });

    it("keeps ids unique and ordered for appends in the same millisecond", async () => {
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores.events.append("burst", { n: String(i) })),
      );
      for (let i = 1; i < appended.length; i++)
        expect(compareIds(appended[i - 1], appended[i])).toBe(-1);
      const read = await stores.events.read("burst");
      expect(ids(read)).toEqual(appended);
      expect(ns(read)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    });

    it("wakes a blocking read as soon as an entry is appended", async () => {
      const { events } = stores;
      const last = await events.append("s", { n: "1" });
      const started = Date.now();
      const reading = events.read("s", { after: last, blockMs: 5_000 });
      await sleep(50);
      const id = await events.append("s", { n: "2" });
      expect(await reading).toEqual([{ id, fields: { n: "2" } }]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("returns nothing when a blocking read times out", async () => {
      const started = Date.now();
      expect(await stores.events.read("quiet", { blockMs: 100 })).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    });

    it("does not stall other commands or other blocked readers", async () => {
      const { events, kv } = stores;
      const slow = events.read("slow", { blockMs: 3_000 });
      const fast = events.read("fast", { blockMs: 3_000 });
      await sleep(50);
      const started = Date.now();
      await kv.set("k", "v");
      expect(await kv.get("k")).toBe("v");
      await events.append("fast", { n: "1" });
      expect(ns(await fast)).toEqual(["1"]);
      expect(Date.now() - started).toBeLessThan(1_000);
      await events.append("slow", { n: "2" });
      expect(ns(await slow)).toEqual(["2"]);
    });

    it("trims the oldest entries beyond maxLength", async () => {
      const { events } = stores;
      for (let i = 1; i <= 300; i++)
        await events.append("capped", { n: String(i) }, { maxLength: 50 });
      const length = await events.length("capped");
      if (kind === "memory") {
        expect(length).toBe(50);
      } else {
        // `MAXLEN ~` trims whole radix-tree nodes (100 entries by default).
        expect(length).toBeGreaterThanOrEqual(50);
        expect(length).toBeLessThan(150);
      }
      const kept = await events.read("capped", { count: 1_000 });
      expect(ns(kept)).toEqual(Array.from({ length }, (_, i) => String(300 - length + 1 + i)));
    });

    it("rejects an entry without fields", async () => {
      await expect(stores.events.append("s", {})).rejects.toThrow(RangeError);
      expect(await stores.events.length("s")).toBe(0);
    });
  });

  describe("consumer groups", () => {
    it("lets a consumer claim entries another left unacknowledged past the idle time", async () => {
      const { events } = stores;
      await events.ensureGroup("claims", "workers");
      for (const n of ["1", "2", "3"]) await events.append("claims", { n });
      expect(ns(await events.readGroup("claims", "workers", "dead", { count: 2 }))).toEqual([
        "1",
        "2",
      ]);
      // Not idle long enough yet: nothing moves.
      expect(await events.claim("claims", "workers", "alive", { minIdleMs: 60_000 })).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(ns(await events.claim("claims", "workers", "alive", { minIdleMs: 10 }))).toEqual([
        "1",
        "2",
      ]);
      // They are now the claimer's pending entries, and no longer the dead consumer's.
      expect(ns(await events.readGroup("claims", "workers", "alive", { pending: true }))).toEqual([
        "1",
        "2",
      ]);
      expect(await events.readGroup("claims", "workers", "dead", { pending: true })).toEqual([]);
      // Acknowledged entries are never claimed again; undelivered ones never at all.
      const pending = await events.readGroup("claims", "workers", "alive", { pending: true });
      expect(
        await events.ack(
          "claims",
          "workers",
          pending.map((entry) => entry.id),
        ),
      ).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await events.claim("claims", "workers", "other", { minIdleMs: 10 })).toEqual([]);
    });

    it("delivers each entry to exactly one consumer, from the start of the stream", async () => {
      const { events } = stores;
      await events.append("jobs", { n: "1" });
      await events.append("jobs", { n: "2" });
      await events.ensureGroup("jobs", "workers");
      await events.ensureGroup("jobs", "workers");
      for (const n of ["3", "4", "5"]) await events.append("jobs", { n });

      expect(ns(await events.readGroup("jobs", "workers", "a", { count: 2 }))).toEqual(["1", "2"]);
      expect(ns(await events.readGroup("jobs", "workers", "b", { count: 2 }))).toEqual(["3", "4"]);
      expect(ns(await events.readGroup("jobs", "workers", "a"))).toEqual(["5"]);
      expect(await events.readGroup("jobs", "workers", "b")).toEqual([]);

      // Calling ensureGroup again must not rewind the group.
      await events.ensureGroup("jobs", "workers");
      expect(await events.readGroup("jobs", "workers", "c")).toEqual([]);
      // Another group has its own position.
      await events.ensureGroup("jobs", "audit");
      expect(ns(await events.readGroup("jobs", "audit", "x"))).toEqual(["1", "2", "3", "4", "5"]);
    });

    it("re-delivers unacknowledged entries with pending: true until acked", async () => {
      const { events } = stores;
      await events.ensureGroup("jobs", "workers");
      for (const n of ["1", "2", "3"]) await events.append("jobs", { n });
      const delivered = await events.readGroup("jobs", "workers", "a");
      expect(ns(delivered)).toEqual(["1", "2", "3"]);

      expect(await events.ack("jobs", "workers", [delivered[0].id])).toBe(1);
      expect(await events.readGroup("jobs", "workers", "a", { pending: true })).toEqual(
        delivered.slice(1),
      );
      expect(
        ids(await events.readGroup("jobs", "workers", "a", { pending: true, count: 1 })),
      ).toEqual([delivered[1].id]);
      expect(await events.readGroup("jobs", "workers", "b", { pending: true })).toEqual([]);
      expect(await events.readGroup("jobs", "workers", "b")).toEqual([]);

      // Pending re-delivery never hands out new entries.
      await events.append("jobs", { n: "4" });
      expect(ns(await events.readGroup("jobs", "workers", "a", { pending: true }))).toEqual([
        "2",
        "3",
      ]);

      expect(await events.ack("jobs", "workers", [delivered[0].id])).toBe(0);
      expect(await events.ack("jobs", "workers", ids(delivered.slice(1)))).toBe(2);
      expect(await events.readGroup("jobs", "workers", "a", { pending: true })).toEqual([]);
      expect(await events.ack("jobs", "nobody", [delivered[0].id])).toBe(0);
      expect(ns(await events.readGroup("jobs", "workers", "a"))).toEqual(["4"]);
    });

    it("wakes a blocking group read as soon as an entry is appended", async () => {
      const { events } = stores;
      await events.ensureGroup("jobs", "workers");
      expect(await events.length("jobs")).toBe(0);
      const started = Date.now();
      const reading = events.readGroup("jobs", "workers", "a", { blockMs: 5_000 });
      await sleep(50);
      const id = await events.append("jobs", { n: "1" });
      expect(await reading).toEqual([{ id, fields: { n: "1" } }]);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(await events.readGroup("jobs", "workers", "b", { blockMs: 100 })).toEqual([]);
    });

    it("rejects reads from a group that does not exist", async () => {
      await stores.events.append("jobs", { n: "1" });
      await expect(stores.events.readGroup("jobs", "ghosts", "a")).rejects.toThrow(/NOGROUP/);
      await expect(stores.events.readGroup("no-stream", "ghosts", "a")).rejects.toThrow(/NOGROUP/);
    });
  });

  describe("trim", () => {
    /** A bound after everything appended so far. */
    const later = () => `${Date.now() + 60_000}-0`;

    it("removes the entries below `before`, and only those, from a stream no group reads", async () => {
      const { events } = stores;
      const appended: string[] = [];
      for (let i = 0; i < 5; i += 1) appended.push(await events.append("log", { n: String(i) }));
      expect(await events.trim("log", { before: appended[3] })).toBe(3);
      expect(ids(await events.read("log"))).toEqual(appended.slice(3));
      expect(await events.trim("log", { before: appended[3] })).toBe(0);
      expect(await events.length("log")).toBe(2);
      // `<ms>` alone is `<ms>-0`, as in Redis.
      expect(await events.trim("log", { before: String(Date.now() + 60_000) })).toBe(2);
      expect(await events.trim("missing", { before: later() })).toBe(0);
      await expect(events.trim("log", { before: "yesterday" })).rejects.toThrow();
    });

    it("keeps what a group has pending or not yet received, down to its slowest group", async () => {
      const { events } = stores;
      await events.ensureGroup("jobs", "store");
      const appended: string[] = [];
      for (let i = 1; i <= 6; i += 1) appended.push(await events.append("jobs", { n: String(i) }));
      const delivered = await events.readGroup("jobs", "store", "a", { count: 4 });
      expect(ns(delivered)).toEqual(["1", "2", "3", "4"]);
      await events.ack("jobs", "store", ids(delivered.slice(0, 2)));
      // 1 and 2 are acknowledged; 3 and 4 are pending; 5 and 6 were never delivered.
      expect(await events.trim("jobs", { before: later() })).toBe(2);
      expect(ns(await events.read("jobs"))).toEqual(["3", "4", "5", "6"]);
      expect(ns(await events.readGroup("jobs", "store", "a", { pending: true }))).toEqual([
        "3",
        "4",
      ]);
      await events.ack("jobs", "store", ids(delivered.slice(2)));
      expect(await events.trim("jobs", { before: later() })).toBe(2);
      expect(ns(await events.read("jobs"))).toEqual(["5", "6"]);
      // A second group that has read nothing holds everything left.
      await events.ensureGroup("jobs", "audit");
      expect(ns(await events.readGroup("jobs", "store", "a"))).toEqual(["5", "6"]);
      await events.ack("jobs", "store", appended.slice(4));
      expect(await events.trim("jobs", { before: later() })).toBe(0);
      expect(ns(await events.readGroup("jobs", "audit", "x", { count: 1 }))).toEqual(["5"]);
      await events.ack("jobs", "audit", [appended[4]]);
      expect(await events.trim("jobs", { before: later() })).toBe(1);
      expect(ns(await events.read("jobs"))).toEqual(["6"]);
    });

    it("never removes an entry at or after `before` when approximate", async () => {
      const { events } = stores;
      const appended: string[] = [];
      for (let i = 0; i < 300; i += 1) appended.push(await events.append("big", { n: String(i) }));
      const removed = await events.trim("big", { before: appended[250], approximate: true });
      expect(removed).toBeGreaterThanOrEqual(0);
      expect(removed).toBeLessThanOrEqual(250);
      expect(await events.length("big")).toBe(300 - removed);
      expect(ids(await events.read("big", { count: 1_000 }))).toEqual(appended.slice(removed));
    });
  });

  describe("lifecycle", () => {
    it("answers ping", async () => {
      const rtt = await stores.ping();
      if (name === "memory") expect(rtt).toBe(0);
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(1_000);
    });

    it("wakes blocked readers on close and fails later calls", async () => {
      const { events } = stores;
      await events.ensureGroup("jobs", "workers");
      const reading = events.read("quiet", { blockMs: 10_000 });
      const groupReading = events.readGroup("jobs", "workers", "a", { blockMs: 10_000 });
      await sleep(50);
      const started = Date.now();
      await stores.close();
      expect(await reading).toEqual([]);
      expect(await groupReading).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
      await stores.close(); // idempotent
      await expect(stores.kv.get("k")).rejects.toThrow();
      await expect(stores.events.read("quiet", { blockMs: 100 })).rejects.toThrow();
    });
  });
});

/**
 * A TCP proxy in front of Redis for outages on demand: `down()` refuses connections (Redis
 * stopped), `freeze()` keeps sockets open but drops every byte (a network partition).
 */
async function startRedisProxy(upstreamUrl: string) {
  const target = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    sockets.add(client).add(upstream);
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (data) => frozen || upstream.write(data));
    upstream.on("data", (data) => frozen || client.write(data));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const url = new URL(upstreamUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  const down = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return {
    url: url.toString(),
    down,
    up: () => listen(port),
    freeze: (): void => {
      frozen = true;
    },
    thaw: (): void => {
      frozen = false;
    },
  };
}

/** Pings until Redis answers again; false when it has not within 5 s. */
async function recovers(stores: Stores): Promise<boolean> {
  for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
    if (
      await stores.ping().then(
        () => true,
        () => false,
      )
    )
      return true;
    await sleep(100);
  }
  return false;
}

(redisUrl === undefined ? describe.skip : describe)("redis stores only", () => {
  const url = redisUrl ?? ""; // only read by tests, which are skipped when it is unset
  const open: Stores[] = [];
  const redisStores = (keyPrefix: string, target = url, connectTimeoutMs?: number): Stores => {
    const stores = createRedisStores({ url: target, keyPrefix, connectTimeoutMs });
    open.push(stores);
    return stores;
  };

  afterEach(async () => {
    await Promise.all(open.splice(0).map((stores) => stores.close()));
  });

  it("shares pub/sub between instances with the same keyPrefix, and only those", async () => {
    const prefix = nextPrefix();
    const publisher = redisStores(prefix);
    const peer = redisStores(prefix);
    const stranger = redisStores(nextPrefix());
    const peerInbox = collector();
    const strangerInbox = collector();
    await peer.pubsub.subscribe("news", peerInbox.listener);
    await stranger.pubsub.subscribe("news", strangerInbox.listener);

    await publisher.pubsub.publish("news", "hello");
    await peerInbox.waitFor(1);
    expect(peerInbox.messages).toEqual(["hello"]);
    // Redis delivers in publish order, so "hello" would arrive before "own" if it leaked.
    await stranger.pubsub.publish("news", "own");
    await strangerInbox.waitFor(1);
    expect(strangerInbox.messages).toEqual(["own"]);
  });

  it("shares counters and streams between instances with the same keyPrefix", async () => {
    const prefix = nextPrefix();
    const a = redisStores(prefix);
    const b = redisStores(prefix);
    await a.counters.increment("c");
    expect(await b.counters.increment("c")).toBe(2);
    await a.events.ensureGroup("jobs", "workers");
    await b.events.append("jobs", { n: "1" });
    expect(ns(await a.events.readGroup("jobs", "workers", "x"))).toEqual(["1"]);
  });

  it("fails fast when Redis is unreachable, and still closes", async () => {
    const stores = redisStores(nextPrefix(), `redis://127.0.0.1:${await freePort()}`, 500);
    const started = Date.now();
    await expect(stores.ping()).rejects.toThrow();
    await expect(stores.kv.get("k")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("fails closed during an outage and reconnects by itself afterwards", async () => {
    const proxy = await startRedisProxy(url);
    try {
      const prefix = nextPrefix();
      const stores = redisStores(prefix, proxy.url, 500);
      const direct = redisStores(prefix);
      const inbox = collector();
      await stores.kv.set("k", "before");
      await stores.pubsub.subscribe("news", inbox.listener);

      await proxy.down();
      const started = Date.now();
      await expect(stores.kv.get("k")).rejects.toThrow();
      await expect(stores.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);

      await proxy.up();
      expect(await recovers(stores)).toBe(true);
      expect(await stores.kv.get("k")).toBe("before");
      // The subscriber connection resubscribes on its own schedule: publish until it hears.
      for (
        const deadline = Date.now() + 5_000;
        inbox.messages.length === 0 && Date.now() < deadline;
      ) {
        await direct.pubsub.publish("news", "after");
        await sleep(100);
      }
      expect(inbox.messages[0]).toBe("after");
    } finally {
      await Promise.all(open.splice(0).map((stores) => stores.close()));
      await proxy.down();
    }
  });

  it("fails closed when Redis stops answering, and recovers once it answers again", async () => {
    const proxy = await startRedisProxy(url);
    try {
      const stores = redisStores(nextPrefix(), proxy.url, 300);
      await stores.kv.set("k", "before");
      expect(await stores.events.read("s", { blockMs: 50 })).toEqual([]);

      proxy.freeze();
      const started = Date.now();
      await expect(stores.kv.get("k")).rejects.toThrow();
      await expect(stores.events.read("s", { blockMs: 50 })).rejects.toThrow(/did not answer/);
      expect(Date.now() - started).toBeLessThan(3_000);

      proxy.thaw();
      expect(await recovers(stores)).toBe(true);
      expect(await stores.kv.get("k")).toBe("before");
      expect(await stores.events.read("s", { blockMs: 50 })).toEqual([]);
    } finally {
      await Promise.all(open.splice(0).map((stores) => stores.close()));
      await proxy.down();
    }
  });
});
