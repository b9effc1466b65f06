import type { EntityManager } from "@mikro-orm/core";
import { createLogger, type SecurityEvent } from "@rampart/kit";
import type { Database, Stores } from "@rampart/kit/stores";
import {
  announceStoredSecurityEvents,
  MAX_ANNOUNCED_ROWS,
  SecurityEventFeed,
  StoredSecurityEvent,
} from "../../src/modules/security-events";
import { SecurityEventArchive } from "../../src/modules/event-pipeline";
import {
  clearTables,
  event,
  openTestDatabase,
  openTestStores,
  setups,
  sleep,
  staysQuiet,
  store,
  take,
  TestPubSub,
  waitFor,
} from "./support/security-event-fixtures";

const logger = createLogger({ service: "security-event-feed-test", level: "silent" });

/** An entity manager whose forks (one per read) are counted. */
function countingForks(em: EntityManager): { em: EntityManager; forks: () => number } {
  let forks = 0;
  const counted = new Proxy(em, {
    get(target, property, receiver) {
      if (property === "fork") {
        return (...args: Parameters<EntityManager["fork"]>) => {
          forks += 1;
          return target.fork(...args);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { em: counted, forks: () => forks };
}

const idsOf = (events: readonly { id: string }[]) => events.map((e) => e.id);

describe.each(setups)("SecurityEventFeed on $name", (setup) => {
  let db: Database;
  let drop: () => Promise<void>;
  let stores: Stores;
  /** The publisher's pubsub: tests make it lose announcements. */
  let publisher: TestPubSub;
  /** The feed's pubsub: tests count its subscriptions. */
  let listener: TestPubSub;
  let archive: SecurityEventArchive;
  const open: AsyncIterator<unknown>[] = [];

  const feedWith = (pollMs = 60_000, batchSize?: number) =>
    new SecurityEventFeed({ pubsub: listener, pollMs, batchSize, logger });
  const subscribe = async (
    feed: SecurityEventFeed,
    ...args: Parameters<SecurityEventFeed["subscribe"]> extends [unknown, ...infer Rest]
      ? Rest
      : never
  ) => {
    const iterator = await feed.subscribe(db.orm.em, ...args);
    open.push(iterator);
    return iterator;
  };

  beforeAll(async () => {
    ({ db, drop } = await openTestDatabase(setup));
  });

  afterAll(async () => {
    await drop?.();
  });

  beforeEach(async () => {
    await clearTables(db.orm.em);
    stores = openTestStores(setup);
    publisher = new TestPubSub(stores.pubsub);
    listener = new TestPubSub(stores.pubsub);
    archive = new SecurityEventArchive(db.orm.em, {
      afterStore: [announceStoredSecurityEvents(publisher)],
      logger,
    });
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((iterator) => iterator.return?.()));
    await stores.close();
  });

  it("without after, streams what is stored from now on, in order, filtered", async () => {
    await store(archive, [event(0), event(1)]);
    const feed = feedWith();
    const all = await subscribe(feed, null);
    const failed = await subscribe(feed, { types: ["authentication.failed"] });
    const batchA = await store(archive, [event(2), event(3), event(4)]);
    const batchB = await store(archive, [event(5), event(6)]);
    const stored = [...batchA, ...batchB];

    const received = (await take(all, 5)) as StoredSecurityEvent[];
    expect(idsOf(received)).toEqual(idsOf(stored));
    expect(received.map((row) => row.sequence)).toEqual([3, 4, 5, 6, 7]);
    expect(received[0]).toMatchObject({
      type: "authentication.failed",
      actorId: "user_2",
      organizationId: "org_demo_acme",
      reason: "reason 2",
    });
    expect(received[0].occurredAt).toEqual(new Date(batchA[0].occurredAt));
    expect(idsOf(await take(failed, 3))).toEqual(
      idsOf(stored.filter((e) => e.type === "authentication.failed")),
    );
    // One pubsub subscription serves every stream of the feed.
    expect(listener.active).toBe(1);
    expect(feed.openStreams).toBe(2);
  });

  it("replays after an event id, then goes live with no gap and no duplicate while events arrive during the replay", async () => {
    const history: SecurityEvent[] = [];
    for (let batch = 0; batch < 12; batch += 1) {
      history.push(
        ...(await store(
          archive,
          Array.from({ length: 100 }, (_, n) => event(batch * 100 + n)),
        )),
      );
    }
    const feed = feedWith(60_000, 500);
    const everything = await subscribe(feed, null, history[99].id);
    const filtered = await subscribe(feed, { types: ["session.refused"] }, history[99].id);

    const expected = history.slice(100);
    const received: { id: string }[] = [];
    // First replayed page read; then events keep arriving while the rest is replayed.
    received.push(...(await take(everything, 1)));
    expected.push(...(await store(archive, [event(2000), event(2001), event(2002)])));
    received.push(...(await take(everything, 600)));
    expected.push(...(await store(archive, [event(2003)])));
    const writer = (async () => {
      for (let n = 0; n < 40; n += 1) {
        expected.push(...(await store(archive, [event(3000 + 2 * n), event(3001 + 2 * n)])));
        if (n % 5 === 0) await sleep(5);
      }
    })();
    received.push(...(await take(everything, 503)));
    await writer;
    received.push(...(await take(everything, expected.length - received.length)));

    expect(received).toHaveLength(expected.length);
    expect(new Set(idsOf(received)).size).toBe(received.length);
    expect(idsOf(received)).toEqual(idsOf(expected));
    const sequences = (received as StoredSecurityEvent[]).map((row) => row.sequence);
    expect(sequences).toEqual(sequences.map((_, index) => 101 + index));

    const refused = expected.filter((e) => e.type === "session.refused");
    expect(idsOf(await take(filtered, refused.length))).toEqual(idsOf(refused));
    const { quiet, pending } = await staysQuiet(everything, 300);
    expect(quiet).toBe(true);
    await everything.return?.();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it("reads from the table when a batch is too big to travel in its announcement", async () => {
    const feed = feedWith();
    const stream = await subscribe(feed, null);
    const big = await store(
      archive,
      Array.from({ length: MAX_ANNOUNCED_ROWS + 20 }, (_, n) => event(n)),
    );
    expect(idsOf(await take(stream, big.length))).toEqual(idsOf(big));
  });

  it("recovers a lost announcement from the next one: the gap is read from the table", async () => {
    const feed = feedWith();
    const stream = await subscribe(feed, null);
    publisher.dropNext = 1;
    const lost = await store(archive, [event(1), event(2)]);
    const { quiet, pending } = await staysQuiet(stream, 500);
    // Without a poll (60 s here), nothing tells the stream about the lost batch yet.
    expect(quiet).toBe(true);
    const next = await store(archive, [event(3)]);
    const first = await pending;
    const rest = await take(stream, 2);
    expect(idsOf([first.value as StoredSecurityEvent, ...rest])).toEqual(idsOf([...lost, ...next]));
    expect(publisher.dropped).toBe(1);
  });

  it("recovers a lost announcement by polling when nothing else is announced", async () => {
    const feed = feedWith(200);
    const stream = await subscribe(feed, { severities: ["critical"] });
    publisher.dropNext = 1;
    const lost = await store(archive, [
      event(1, { severity: "critical" }),
      event(2),
      event(3, { severity: "critical" }),
    ]);
    // Nothing else is announced, so only a poll can deliver them: within 5 s proves it is this
    // feed's 200 ms poll, not the 60 s default (take throws past its timeout).
    const received = await take(stream, 2, 5_000);
    expect(idsOf(received)).toEqual(idsOf([lost[0], lost[2]]));
    expect(publisher.dropped).toBe(1);
  });

  it("keeps every event of a reader too slow for its announcements, once and in order", async () => {
    const feed = feedWith();
    const stream = await subscribe(feed, null);
    const stored: SecurityEvent[] = [];
    // More announcements than a stream holds (256): the backlog is dropped and read from the table.
    for (let n = 0; n < 300; n += 1) stored.push(...(await store(archive, [event(n)])));
    expect(idsOf(await take(stream, 300))).toEqual(idsOf(stored));
    const { quiet } = await staysQuiet(stream, 200);
    expect(quiet).toBe(true);
  });

  it("refuses an after that names no stored event with NOT_FOUND, and a malformed one with BAD_USER_INPUT", async () => {
    await store(archive, [event(1)]);
    const feed = feedWith();
    await expect(feed.subscribe(db.orm.em, null, crypto.randomUUID())).rejects.toMatchObject({
      extensions: { code: "NOT_FOUND", field: "after" },
      message: expect.stringMatching(/no stored security event has the id given as after/i),
    });
    await expect(feed.subscribe(db.orm.em, null, "1; drop table")).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", field: "after" },
    });
    expect(feed.openStreams).toBe(0);
    expect(listener.active).toBe(0);
  });

  it.each([
    [
      "a 10,000-item types list",
      { types: Array.from({ length: 10_000 }, (_, n) => `t${n}`) },
      "filter.types",
    ],
    ["an unknown severity", { severities: ["urgent"] }, "filter.severities"],
    [
      "since after until",
      { since: new Date("2030-01-02T00:00:00Z"), until: new Date("2030-01-01T00:00:00Z") },
      "filter.since",
    ],
  ])("refuses %s with BAD_USER_INPUT, like the query", async (_name, filter, field) => {
    const feed = feedWith();
    await expect(feed.subscribe(db.orm.em, filter)).rejects.toMatchObject({
      extensions: { code: "BAD_USER_INPUT", field },
    });
    expect(feed.openStreams).toBe(0);
  });

  it("cleans up on return(): unsubscribes, stops polling, ends a pending next()", async () => {
    const counting = countingForks(db.orm.em);
    const feed = new SecurityEventFeed({ pubsub: listener, pollMs: 50, logger });
    const first = await feed.subscribe(counting.em, null);
    const second = await feed.subscribe(counting.em, null);
    expect(listener.active).toBe(1);
    await store(archive, [event(1)]);
    await take(first, 1);
    const pending = first.next();
    await first.return?.();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await expect(first.next()).resolves.toEqual({ done: true, value: undefined });
    expect(feed.openStreams).toBe(1);
    expect(listener.active).toBe(1);

    await second.return?.();
    expect(feed.openStreams).toBe(0);
    expect(listener.active).toBe(0);
    await waitFor("a poll in progress to end", async () => {
      const before = counting.forks();
      await sleep(60);
      return counting.forks() === before;
    });
    const forks = counting.forks();
    await store(archive, [event(2)]);
    await sleep(300);
    expect(counting.forks()).toBe(forks);
  });
});
