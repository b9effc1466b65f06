import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import {
  parseSecurityEvent,
  REFUSAL_TEXT_LIMIT,
  SECURITY_EVENT_STREAM,
  type SecurityEvent,
} from "@rampart/kit";
import { testServices, uniqueName } from "@rampart/kit/testing";
import Redis from "ioredis";
import { loadConfig } from "../../src/config";
import { startGateway, type Gateway } from "../../src/server";

/**
 * Issue 9 §2.4, the event flood: 10,000 refused requests, 50 at a time, from one client, against
 * a real gateway (in process, port 0; Redis when the run has it, else the in-memory stores).
 *
 * The stated bound: the flood adds at most {@link MAX_EVENTS} entries to the security event
 * stream, whatever its size: one per (type, IP) at once, and one more per (type, IP) when the
 * minute ends (recorded at shutdown here) counting the rest; bad tokens spend the anonymous
 * budget (20 a minute here) before they are recorded, so at most that many
 * `authentication.failed` until the authentication path, too, goes through the refusal sink.
 * No field is longer than 256 characters (a count's reason: 512), and on Redis the gateway's
 * whole namespace (stream, rate-limit keys) stays under {@link MAX_REDIS_BYTES}.
 * Before the sink, the same flood wrote 10,000 events, 4,000 of them holding a 12 kB `Origin`.
 */
const REQUESTS = { badOrigin: 4_000, introspection: 2_000, badToken: 4_000 } as const;
const CONCURRENCY = 50;
const ANONYMOUS_PER_MINUTE = 20;
/** Entries the whole flood may add to the stream, counts included. */
const MAX_EVENTS = 2 * 3 + ANONYMOUS_PER_MINUTE + 10;
/** Bytes the gateway's Redis namespace may hold after the flood. */
const MAX_REDIS_BYTES = 256 * 1024;

const { redisUrl } = testServices();
const setups = [
  ...(redisUrl ? [{ name: "Redis", redisUrl }] : []),
  { name: "in-memory stores", redisUrl: undefined },
];

/** 12 kB, with what a header may carry that a log must not: tabs and C1 controls (CSI, NEL). */
const hugeOrigin = `https://evil.example/${"\t\u009b2J\u0085".repeat(2)}${"a".repeat(12_000)}`;

/** Sends the request and resolves to its status, the body read and dropped. */
function send(
  agent: http.Agent,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        agent,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/** Bytes every key under the prefix takes in Redis (MEMORY USAGE, summed). */
async function namespaceBytes(redis: Redis, prefix: string): Promise<number> {
  let total = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
    cursor = next;
    for (const key of keys) total += (await redis.memory("USAGE", key)) ?? 0;
  } while (cursor !== "0");
  return total;
}

describe.each(setups)("a flood of 10,000 refused requests on $name", ({ redisUrl: url }) => {
  const prefix = `${uniqueName("flood")}:`;
  let dataDir: string;
  let gateway: Gateway | undefined;
  let redis: Redis | undefined;

  const streamEvents = async (): Promise<SecurityEvent[]> =>
    (await gateway!.stores.events.read(SECURITY_EVENT_STREAM, { count: 100_000 })).map((entry) =>
      parseSecurityEvent(entry.fields),
    );

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-flood-"));
    gateway = await startGateway(
      loadConfig({
        NODE_ENV: "test",
        GATEWAY_PROFILE: "main",
        PORT: "0",
        LOG_LEVEL: "silent",
        RAMPART_DATA_DIR: dataDir,
        RATE_LIMIT_ANONYMOUS_PER_IP: String(ANONYMOUS_PER_MINUTE),
        ...(url ? { REDIS_URL: url, REDIS_KEY_PREFIX: prefix } : {}),
      }),
    );
    if (url) redis = new Redis(url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    await gateway?.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.unlink(...keys);
      await redis.quit();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("adds a bounded number of bounded events to the stream, and little to Redis", async () => {
    const target = new URL(gateway!.url);
    const before = await gateway!.stores.events.length(SECURITY_EVENT_STREAM);
    const bytesBefore = redis ? await namespaceBytes(redis, prefix) : 0;
    const kinds: (keyof typeof REQUESTS)[] = [
      ...Array<"badOrigin">(REQUESTS.badOrigin).fill("badOrigin"),
      ...Array<"introspection">(REQUESTS.introspection).fill("introspection"),
      ...Array<"badToken">(REQUESTS.badToken).fill("badToken"),
    ];
    const query = JSON.stringify({ query: "{ __typename }" });
    const introspection = JSON.stringify({ query: "{ __schema { queryType { name } } }" });
    const statuses = new Map<string, number>();
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < kinds.length) {
          const kind = kinds[next++];
          const status =
            kind === "badOrigin"
              ? await send(agent, target, { origin: hugeOrigin, authorization: "Bearer x" }, query)
              : kind === "introspection"
                ? await send(agent, target, {}, introspection)
                : await send(
                    agent,
                    target,
                    { authorization: `Bearer ${"x".repeat(12_000)}` },
                    query,
                  );
          const key = `${kind} ${status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
        }
      }),
    );
    agent.destroy();
    const seconds = (performance.now() - started) / 1_000;

    // Every request was refused: CORS 403, then 400/401 within the anonymous budget, else 429.
    expect(statuses.get("badOrigin 403")).toBe(REQUESTS.badOrigin);
    for (const key of statuses.keys()) expect(key).toMatch(/ (400|401|403|429)$/);

    const added = (await streamEvents()).slice(before);
    const bytesAfter = redis ? await namespaceBytes(redis, prefix) : 0;
    const byType = Object.fromEntries(
      [...new Set(added.map((event) => event.type))].map((type) => [
        type,
        added.filter((event) => event.type === type).length,
      ]),
    );
    console.info(
      JSON.stringify({
        stores: url ? "redis" : "memory",
        requests: kinds.length,
        seconds: Math.round(seconds * 10) / 10,
        statuses: Object.fromEntries(statuses),
        eventsAdded: added.length,
        byType,
        longestReason: Math.max(...added.map((event) => event.reason.length)),
        ...(redis
          ? {
              streamBytes: await redis.memory("USAGE", `${prefix}${SECURITY_EVENT_STREAM}`),
              namespaceBytesBefore: bytesBefore,
              namespaceBytesAfter: bytesAfter,
            }
          : {}),
      }),
    );

    expect(added.length).toBeLessThanOrEqual(MAX_EVENTS);
    expect(byType["cors.origin_not_allowed"]).toBe(1);
    expect(byType["authentication.failed"] ?? 0).toBeLessThanOrEqual(ANONYMOUS_PER_MINUTE + 5);
    for (const event of added) {
      for (const value of [event.type, event.ip, event.actorId, event.organizationId]) {
        expect((value ?? "").length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT);
      }
      expect(event.reason.length).toBeLessThanOrEqual(REFUSAL_TEXT_LIMIT);
      // eslint-disable-next-line no-control-regex
      expect(event.reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    if (redis) expect(bytesAfter).toBeLessThanOrEqual(MAX_REDIS_BYTES);
    // Seconds of requests, not minutes (two cores, shared).
    expect(seconds).toBeLessThan(90);
  }, 120_000);

  // The in-memory stores close with the gateway: only Redis shows what shutdown recorded.
  (url ? it : it.skip)(
    "records, at shutdown, how many refusals each (type, IP) counted",
    async () => {
      await gateway!.close();
      gateway = undefined;
      const entries = (
        await redis!.xrange(`${prefix}${SECURITY_EVENT_STREAM}`, "-", "+", "COUNT", 100_000)
      ).map(([, fields]) => parseSecurityEvent({ event: fields[1] }));
      console.info(
        JSON.stringify({
          eventsAfterShutdown: entries.length,
          counts: entries
            .filter((event) => event.reason.startsWith("repeated"))
            .map((event) => `${event.type}: ${event.reason.replace(/ from this IP.*/, "")}`),
        }),
      );
      const cors = entries.filter((event) => event.type === "cors.origin_not_allowed");
      expect(cors).toHaveLength(2);
      expect(cors[1].reason).toMatch(
        new RegExp(`^repeated ${REQUESTS.badOrigin - 1} more times from this IP in the 60 s `),
      );
      expect(cors[1].reason.length).toBeLessThanOrEqual(2 * REFUSAL_TEXT_LIMIT);
      expect(entries.length).toBeLessThanOrEqual(MAX_EVENTS);
    },
  );
});
