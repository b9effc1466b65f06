/**
 * One suite, three implementations of the rate limiter (src/stores/rate-limiter*.ts): in
 * memory, the launcher's shared memory over its socket, and a real Redis (when the Jest global
 * setup found one answering). Each test gets its own key prefix; the run's keys are deleted
 * afterwards.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import Redis from "ioredis";
import {
  connectSharedMemoryStores,
  createMemoryStores,
  createRedisStores,
  serveSharedMemoryStores,
  type RateLimitCheck,
  type RateLimitDecision,
  type RateLimitRule,
  type SharedMemoryStoreServer,
  type Stores,
} from "../../src/stores";
import { freePort } from "../../src/testing/processes";
import { testServices } from "../../src/testing/services";

/** Unset when Redis did not answer the global setup: the Redis part is skipped then. */
const { redisUrl } = testServices();
const runPrefix = `test:${randomUUID()}:`;
let prefixes = 0;
const nextPrefix = (): string => `${runPrefix}${++prefixes}:`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const allowedCount = (decisions: RateLimitDecision[]): number =>
  decisions.filter((decision) => decision.allowed).length;

interface Opened {
  stores: Stores;
  close(): Promise<void>;
}

interface Implementation {
  name: string;
  open(keyPrefix: string): Promise<Opened>;
}

async function sharedMemory(): Promise<Opened> {
  const socketPath = path.join(os.tmpdir(), `rampart-rl-${randomUUID()}.sock`);
  const server: SharedMemoryStoreServer = await serveSharedMemoryStores(
    createMemoryStores(),
    socketPath,
  );
  const stores = connectSharedMemoryStores(socketPath);
  return {
    stores,
    async close() {
      await stores.close();
      await server.close();
    },
  };
}

const implementations: Implementation[] = [
  {
    name: "memory",
    open: async () => {
      const stores = createMemoryStores();
      return { stores, close: () => stores.close() };
    },
  },
  { name: "shared-memory (socket)", open: () => sharedMemory() },
  ...(redisUrl === undefined
    ? []
    : [
        {
          name: "redis",
          open: async (keyPrefix: string) => {
            const stores = createRedisStores({ url: redisUrl, keyPrefix });
            return { stores, close: () => stores.close() };
          },
        },
      ]),
];

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

describe.each(implementations)("$name rate limiter", ({ open }) => {
  let opened: Opened;
  const consume = (key: string, rule: RateLimitRule, cost?: number) =>
    opened.stores.rateLimiter.consume(key, rule, cost);
  const consumeAll = (checks: readonly RateLimitCheck[]) =>
    opened.stores.rateLimiter.consumeAll(checks);

  beforeEach(async () => {
    opened = await open(nextPrefix());
  });

  afterEach(async () => {
    await opened.close();
  });

  it("allows exactly the limit, counting remaining down, then refuses", async () => {
    const rule: RateLimitRule = { limit: 5, windowMs: 100_000 };
    const decisions: RateLimitDecision[] = [];
    for (let i = 0; i < 6; i++) decisions.push(await consume("k", rule));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    for (const d of decisions.slice(0, 5)) expect(d.retryAfterMs).toBe(0);
    // One unit comes back every windowMs / limit = 20 s; the whole budget after 100 s. The
    // bounds leave 2 s for the six calls.
    const [first, refused] = [decisions[0], decisions[5]];
    expect(first.resetMs).toBeGreaterThan(19_000);
    expect(first.resetMs).toBeLessThanOrEqual(20_000);
    expect(refused.resetMs).toBeGreaterThan(98_000);
    expect(refused.resetMs).toBeLessThanOrEqual(100_000);
    expect(refused.retryAfterMs).toBeGreaterThan(18_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it("keeps keys apart", async () => {
    const rule = { limit: 1, windowMs: 10_000 };
    expect((await consume("a", rule)).allowed).toBe(true);
    expect((await consume("a", rule)).allowed).toBe(false);
    expect((await consume("b", rule)).allowed).toBe(true);
  });

  it("gives the whole budget back once the window has passed", async () => {
    // One unit back per second: each run of four calls below has that long.
    const rule = { limit: 3, windowMs: 3_000 };
    for (let i = 0; i < 3; i++) expect((await consume("k", rule)).allowed).toBe(true);
    expect((await consume("k", rule)).allowed).toBe(false);
    await sleep(3_100);
    const after: RateLimitDecision[] = [];
    for (let i = 0; i < 4; i++) after.push(await consume("k", rule));
    expect(after.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(after[0].remaining).toBe(2);
  });

  it("allows again after retryAfterMs, one unit at a time", async () => {
    // One unit back every 3 s: the calls after the sleep have that long before the next one.
    const rule = { limit: 2, windowMs: 6_000 };
    await consume("k", rule);
    await consume("k", rule);
    const refused = await consume("k", rule);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(3_000);
    await sleep(refused.retryAfterMs + 100);
    const again = await consume("k", rule);
    expect(again).toMatchObject({ allowed: true, remaining: 0 });
    expect((await consume("k", rule)).allowed).toBe(false);
  });

  it("weighs costs, consumes nothing when refused, and looks without consuming at cost 0", async () => {
    const rule = { limit: 5, windowMs: 100_000 };
    expect(await consume("k", rule, 0)).toEqual({
      allowed: true,
      remaining: 5,
      resetMs: 0,
      retryAfterMs: 0,
    });
    expect(await consume("k", rule, 3)).toMatchObject({ allowed: true, remaining: 2 });
    const refused = await consume("k", rule, 3);
    expect(refused).toMatchObject({ allowed: false, remaining: 2 });
    // One more unit is needed: it comes back after 20 s (2 s left for the calls).
    expect(refused.retryAfterMs).toBeGreaterThan(18_000);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(20_000);
    expect(await consume("k", rule, 0)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await consume("k", rule, 2)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("allows exactly 50 of 200 concurrent consumes on a limit of 50", async () => {
    const rule = { limit: 50, windowMs: 60_000 };
    const decisions = await Promise.all(Array.from({ length: 200 }, () => consume("hot", rule)));
    expect(allowedCount(decisions)).toBe(50);
    const remaining = decisions.filter((d) => d.allowed).map((d) => d.remaining);
    // Every remaining value from 49 down to 0 is handed out exactly once.
    expect([...remaining].sort((a, b) => b - a)).toEqual(
      Array.from({ length: 50 }, (_, i) => 49 - i),
    );
  });

  it("keeps the arrival time when a key's rule changes", async () => {
    // Both rules refill one unit per 10 s; the new one allows bursts of 20 instead of 10.
    for (let i = 0; i < 5; i++) await consume("k", { limit: 10, windowMs: 100_000 });
    expect(await consume("k", { limit: 20, windowMs: 200_000 })).toMatchObject({
      allowed: true,
      remaining: 14,
    });
  });

  describe("consumeAll", () => {
    const perIp = { limit: 5, windowMs: 60_000 };
    const perUser = { limit: 2, windowMs: 60_000 };
    const checks = [
      { key: "ip:1", rule: perIp },
      { key: "user:1", rule: perUser },
    ];

    it("reports the most restrictive decision while everything is allowed", async () => {
      expect(await consumeAll(checks)).toMatchObject({ allowed: true, remaining: 1, index: 1 });
      expect(await consume("ip:1", perIp, 0)).toMatchObject({ remaining: 4 });
    });

    it("consumes nothing when one budget refuses", async () => {
      await consumeAll(checks);
      await consumeAll(checks);
      const refused = await consumeAll(checks);
      expect(refused).toMatchObject({ allowed: false, index: 1, remaining: 0 });
      expect(refused.retryAfterMs).toBeGreaterThan(29_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(30_000);
      // The per-IP budget kept what the refused call reserved: 5 - 2.
      expect(await consume("ip:1", perIp, 0)).toMatchObject({ remaining: 3 });
      // Another user on the same IP still gets the rest of the IP's budget.
      const other = [checks[0], { key: "user:2", rule: perUser }];
      expect(await consumeAll(other)).toMatchObject({ allowed: true, remaining: 1, index: 1 });
      expect(await consumeAll(other)).toMatchObject({ allowed: true, remaining: 0 });
      expect(await consumeAll(other)).toMatchObject({ allowed: false, index: 1 });
    });

    it("reports the refusal that waits longest", async () => {
      await consume("slow", { limit: 1, windowMs: 60_000 });
      await consume("fast", { limit: 1, windowMs: 1_000 });
      const verdict = await consumeAll([
        { key: "fast", rule: { limit: 1, windowMs: 1_000 } },
        { key: "slow", rule: { limit: 1, windowMs: 60_000 } },
        { key: "fresh", rule: { limit: 1, windowMs: 1_000 } },
      ]);
      expect(verdict).toMatchObject({ allowed: false, index: 1 });
      expect(await consume("fresh", { limit: 1, windowMs: 1_000 }, 0)).toMatchObject({
        remaining: 1,
      });
    });

    it("is exact under 100 concurrent calls", async () => {
      const ip = { key: "ip:9", rule: { limit: 30, windowMs: 60_000 } };
      const user = { key: "user:9", rule: { limit: 20, windowMs: 60_000 } };
      const verdicts = await Promise.all(Array.from({ length: 100 }, () => consumeAll([ip, user])));
      expect(allowedCount(verdicts)).toBe(20);
      expect(await consume(ip.key, ip.rule, 0)).toMatchObject({ remaining: 10 });
      expect(await consume(user.key, user.rule, 0)).toMatchObject({ remaining: 0 });
    });
  });

  it("rejects malformed rules, costs and keys", async () => {
    await expect(consume("k", { limit: 0, windowMs: 1_000 })).rejects.toThrow(RangeError);
    await expect(consume("k", { limit: 1.5, windowMs: 1_000 })).rejects.toThrow(RangeError);
    await expect(consume("k", { limit: 5, windowMs: 0.5 })).rejects.toThrow(RangeError);
    await expect(consume("k", { limit: 5, windowMs: 1_000 }, 6)).rejects.toThrow(RangeError);
    await expect(consume("k", { limit: 5, windowMs: 1_000 }, -1)).rejects.toThrow(RangeError);
    await expect(consume("", { limit: 5, windowMs: 1_000 })).rejects.toThrow(RangeError);
    await expect(consume("k", { limit: 1e9, windowMs: 86_400_000 })).rejects.toThrow(RangeError);
    await expect(consumeAll([])).rejects.toThrow(RangeError);
    expect(await consume("k", { limit: 5, windowMs: 1_000 }, 0)).toMatchObject({ remaining: 5 });
  });

  it("fails once the stores are closed", async () => {
    await opened.close();
    await expect(consume("k", { limit: 5, windowMs: 1_000 })).rejects.toThrow();
    await expect(consumeAll([{ key: "k", rule: { limit: 5, windowMs: 1_000 } }])).rejects.toThrow();
  });
});

(redisUrl === undefined ? describe.skip : describe)("redis rate limiter only", () => {
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

  it("shares one limit exactly between two gateway processes (two connections)", async () => {
    const prefix = nextPrefix();
    const a = redisStores(prefix);
    const b = redisStores(prefix);
    const rule = { limit: 50, windowMs: 60_000 };
    const decisions = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).rateLimiter.consume("k", rule)),
    );
    expect(allowedCount(decisions)).toBe(50);
    const checks = [
      { key: "ip", rule: { limit: 40, windowMs: 60_000 } },
      { key: "user", rule: { limit: 25, windowMs: 60_000 } },
    ];
    const verdicts = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).rateLimiter.consumeAll(checks)),
    );
    expect(allowedCount(verdicts)).toBe(25);
    expect(await a.rateLimiter.consume("ip", checks[0].rule, 0)).toMatchObject({ remaining: 15 });
  });

  it("keeps each key in a hash tag of its own, expiring once its debt is paid", async () => {
    const prefix = nextPrefix();
    const stores = redisStores(prefix);
    await stores.rateLimiter.consume("ip:203.0.113.7", { limit: 10, windowMs: 50_000 });
    const admin = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      const keys = await admin.keys(`${prefix}*`);
      expect(keys).toEqual([`${prefix}{rl:ip:203.0.113.7}`]);
      // One unit of a 10-per-50-s rule is paid back in 5 s (1 s left for the calls).
      const ttl = await admin.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_001);
      expect(await admin.get(keys[0])).toMatch(/^\d+:50000000:10$/);
    } finally {
      await admin.quit();
    }
  });

  it("refuses to read a foreign value under its key", async () => {
    const prefix = nextPrefix();
    const stores = redisStores(prefix);
    const admin = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      await admin.set(`${prefix}{rl:k}`, "not a state");
      await expect(stores.rateLimiter.consume("k", { limit: 5, windowMs: 1_000 })).rejects.toThrow(
        /malformed/,
      );
    } finally {
      await admin.quit();
    }
  });

  it("rejects fast when Redis is unreachable, so callers can fail closed", async () => {
    const stores = redisStores(nextPrefix(), `redis://127.0.0.1:${await freePort()}`, 500);
    const started = Date.now();
    const rule = { limit: 5, windowMs: 1_000 };
    await expect(stores.rateLimiter.consume("k", rule)).rejects.toThrow();
    await expect(stores.rateLimiter.consumeAll([{ key: "k", rule }])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
