import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  chainHash,
  createLogger,
  GENESIS_HASH,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  verifyAuditChain,
  verifyStoredAuditChain,
  type SecurityEvent,
  type SecurityEventInput,
} from "@rampart/kit";
import {
  createMemoryStores,
  createRedisStores,
  openDatabase,
  type Database,
  type Stores,
} from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import { migrations } from "../../src/migrations";
import { StoredSecurityEvent } from "../../src/modules/security-events";
import {
  readSecurityEvent,
  SecurityEventArchive,
  SecurityEventConsumer,
  startSecurityEventConsumer,
  type IncomingSecurityEvent,
  type SecurityEventConsumerOptions,
  type SecurityEventSink,
} from "../../src/modules/event-pipeline";

const { databaseUrl, redisUrl } = testServices();
const logger = createLogger({ service: "security-events-test", level: "silent" });

/** Real PostgreSQL and Redis when the run has them, and always the embedded defaults. */
const setups = [
  ...(databaseUrl ? [{ name: "PostgreSQL and Redis", databaseUrl, redisUrl }] : []),
  { name: "PGlite and in-memory stores", databaseUrl: undefined, redisUrl: undefined },
];

async function waitFor(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const input = (n: number, overrides: Partial<SecurityEventInput> = {}): SecurityEventInput => ({
  type: n % 2 === 0 ? "authentication.failed" : "ip.refused",
  severity: "medium",
  actorId: `user_${n}`,
  organizationId: "org_demo_acme",
  ip: "198.51.100.7",
  reason: `reason ${n}`,
  requestId: `req_${n}`,
  ...overrides,
});

/** A sink that fails like a database that is down, while `down` is true. */
class FlakySink implements SecurityEventSink {
  down = true;
  attempts = 0;
  constructor(private readonly inner: SecurityEventSink) {}
  append(events: readonly IncomingSecurityEvent[]): Promise<number> {
    this.attempts += 1;
    if (this.down) return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432"));
    return this.inner.append(events);
  }
}

describe.each(setups)("security event pipeline on $name", (setup) => {
  const schema = uniqueName("security_events_test");
  let db: Database;
  let stores: Stores;
  let recorder: SecurityEventRecorder;
  const consumers: SecurityEventConsumer[] = [];

  const rows = () =>
    db.orm.em.fork().find(StoredSecurityEvent, {}, { orderBy: { sequence: "asc" } });
  const execute = (sql: string, params: unknown[] = []) =>
    db.orm.em.getConnection().execute(sql, params);
  const consumer = (options: Partial<SecurityEventConsumerOptions> = {}) => {
    const created = new SecurityEventConsumer({
      events: stores.events,
      sink: new SecurityEventArchive(db.orm.em),
      logger,
      consumer: "test-consumer",
      blockMs: 50,
      retryInitialMs: 10,
      retryMaxMs: 50,
      ...options,
    });
    consumers.push(created);
    return created;
  };

  beforeAll(async () => {
    db = await openDatabase({
      schema,
      entities: [StoredSecurityEvent],
      migrations,
      databaseUrl: setup.databaseUrl,
      pgliteDataDir: "memory://",
    });
  });

  afterAll(async () => {
    await db?.close();
    if (setup.databaseUrl) await dropSchema(setup.databaseUrl, schema);
  });

  beforeEach(async () => {
    await execute(`delete from "security_events"`);
    await execute(`delete from "security_event_checkpoints" where "name" = 'audit-chain'`);
    stores = setup.redisUrl
      ? createRedisStores({ url: setup.redisUrl, keyPrefix: `${uniqueName("secev")}:` })
      : createMemoryStores();
    recorder = new SecurityEventRecorder(stores.events);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await stores.close();
  });

  it("stores an event delivered twice exactly once, chained from the genesis hash", async () => {
    const event = await recorder.record(input(1));
    await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    const running = consumer();
    running.start();
    await waitFor("both entries acknowledged", () => running.stats().acknowledged === 2);

    const stored = await rows();
    expect(stored).toHaveLength(1);
    const [row] = stored;
    expect(row).toMatchObject({
      id: event.id,
      sequence: 1,
      type: event.type,
      severity: "medium",
      actorId: "user_1",
      organizationId: "org_demo_acme",
      ip: "198.51.100.7",
      reason: "reason 1",
      requestId: "req_1",
      previousHash: GENESIS_HASH,
    });
    expect(row.occurredAt.toISOString()).toBe(event.occurredAt);
    expect(row.streamId).toMatch(/^\d+-\d+$/);
    expect(row.hash).toBe(chainHash({ ...row, previousHash: GENESIS_HASH }));
    expect(running.stats()).toMatchObject({ stored: 1, acknowledged: 2, rejected: 0 });
    await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 1 });
  });

  it("stores each event once with two consumers of the group, in one unbroken chain", async () => {
    const first = consumer({ consumer: "replica-a", batchSize: 7 });
    const second = consumer({ consumer: "replica-b", batchSize: 5 });
    first.start();
    second.start();
    const recorded: SecurityEvent[] = [];
    for (let n = 0; n < 120; n += 1) recorded.push(await recorder.record(input(n)));
    // Redeliver some: the copies go to whichever consumer reads next.
    for (const event of recorded.slice(0, 30)) {
      await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    }
    await waitFor(
      "every entry acknowledged",
      () => first.stats().acknowledged + second.stats().acknowledged === 150,
    );

    const stored = await rows();
    expect(stored).toHaveLength(120);
    expect(new Set(stored.map((row) => row.id))).toEqual(new Set(recorded.map((e) => e.id)));
    expect(stored.map((row) => row.sequence)).toEqual(stored.map((_, index) => index + 1));
    expect(first.stats().stored + second.stats().stored).toBe(120);
    expect(first.stats().stored).toBeGreaterThan(0);
    expect(second.stats().stored).toBeGreaterThan(0);
    await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 120 });
  });

  it("keeps entries pending while the database is down and stores them when it is back", async () => {
    const sink = new FlakySink(new SecurityEventArchive(db.orm.em));
    const running = consumer({ sink, batchSize: 4 });
    running.start();
    const recorded: SecurityEvent[] = [];
    for (let n = 0; n < 10; n += 1) recorded.push(await recorder.record(input(n)));
    await waitFor("several failed attempts", () => sink.attempts >= 3);
    expect(running.stats()).toMatchObject({ stored: 0, acknowledged: 0 });
    expect(await rows()).toHaveLength(0);

    sink.down = false;
    await waitFor("every entry acknowledged", () => running.stats().acknowledged === 10);
    const stored = await rows();
    expect(stored.map((row) => row.id).sort()).toEqual(recorded.map((e) => e.id).sort());
    expect(running.stats().failures).toBeGreaterThanOrEqual(3);
    await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 10 });
  });

  it("trims stored entries past the retention from the stream, never one not yet stored", async () => {
    const sink = new FlakySink(new SecurityEventArchive(db.orm.em));
    const running = consumer({ sink, retentionMs: 0, trimIntervalMs: 20 });
    for (let n = 0; n < 5; n += 1) await recorder.record(input(n));
    running.start();
    await waitFor("several failed attempts", () => sink.attempts >= 3);
    // Delivered but not stored: pending, so kept however old.
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(5);
    expect(running.stats().trimmed).toBe(0);

    sink.down = false;
    await waitFor("every entry stored and trimmed", () => running.stats().trimmed === 5);
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(0);
    expect(await rows()).toHaveLength(5);
    // Appended after the trim, stored, then trimmed in turn.
    await recorder.record(input(5));
    await waitFor("the new entry trimmed", () => running.stats().trimmed === 6);
    expect(await rows()).toHaveLength(6);
  });

  it("keeps every entry younger than the retention", async () => {
    const running = consumer({ trimIntervalMs: 20 });
    for (let n = 0; n < 3; n += 1) await recorder.record(input(n));
    running.start();
    await waitFor("every entry acknowledged", () => running.stats().acknowledged === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.stats().trimmed).toBe(0);
    expect(await stores.events.length(SECURITY_EVENT_STREAM)).toBe(3);
  });

  it("after a restart, stores what was read but not acknowledged before it", async () => {
    const sink = new FlakySink(new SecurityEventArchive(db.orm.em));
    const before = consumer({ sink, consumer: "security-host-1" });
    for (let n = 0; n < 6; n += 1) await recorder.record(input(n));
    before.start();
    await waitFor("a failed attempt", () => sink.attempts >= 1);
    await before.stop();
    // Read by the stopped consumer, so no new read delivers these again: only its pending list.
    expect(await stores.events.readGroup(SECURITY_EVENT_STREAM, "security-store", "other")).toEqual(
      [],
    );

    const stop = startSecurityEventConsumer({ stores, logger }, db.orm.em, {
      consumer: "security-host-1",
      blockMs: 50,
    });
    try {
      await waitFor("the pending entries stored", async () => (await rows()).length === 6);
      await waitFor(
        "nothing pending",
        async () =>
          (
            await stores.events.readGroup(
              SECURITY_EVENT_STREAM,
              "security-store",
              "security-host-1",
              {
                pending: true,
              },
            )
          ).length === 0,
      );
    } finally {
      await stop();
    }
    await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 6 });
  });

  it("stores what a consumer that never came back left pending, under another name", async () => {
    for (let n = 0; n < 4; n += 1) await recorder.record(input(n));
    await stores.events.ensureGroup(SECURITY_EVENT_STREAM, "security-store");
    // A pod read these and died before acknowledging; its replacement has a new name.
    const taken = await stores.events.readGroup(SECURITY_EVENT_STREAM, "security-store", "pod-a");
    expect(taken).toHaveLength(4);
    const stop = startSecurityEventConsumer({ stores, logger }, db.orm.em, {
      consumer: "pod-b",
      blockMs: 50,
      pendingCheckMs: 100,
      claimIdleMs: 200,
    });
    try {
      await waitFor("the dead consumer's entries stored", async () => (await rows()).length === 4);
    } finally {
      await stop();
    }
    expect(
      await stores.events.readGroup(SECURITY_EVENT_STREAM, "security-store", "pod-a", {
        pending: true,
      }),
    ).toEqual([]);
    await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 4 });
  });

  it("acknowledges entries that are not events without storing them or stopping", async () => {
    await stores.events.append(SECURITY_EVENT_STREAM, { event: "{not json" });
    await stores.events.append(SECURITY_EVENT_STREAM, {
      event: JSON.stringify({
        ...input(1),
        id: "not-a-uuid",
        occurredAt: new Date().toISOString(),
      }),
    });
    // Appended as is: the recorder itself cleans control characters, an older process did not.
    const good = {
      ...input(2, { reason: "nul \u0000 inside" }),
      id: crypto.randomUUID(),
      occurredAt: new Date().toISOString(),
    };
    await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(good) });
    const running = consumer();
    running.start();
    await waitFor("every entry acknowledged", () => running.stats().acknowledged === 3);
    const stored = await rows();
    expect(stored.map((row) => [row.id, row.reason])).toEqual([[good.id, "nul \uFFFD inside"]]);
    expect(running.stats()).toMatchObject({ stored: 1, rejected: 2 });
  });

  describe("audit chain", () => {
    let recorded: SecurityEvent[];

    beforeEach(async () => {
      recorded = [];
      const archive = new SecurityEventArchive(db.orm.em);
      for (let n = 0; n < 5; n += 1) {
        const event = {
          ...input(n),
          id: crypto.randomUUID(),
          occurredAt: new Date().toISOString(),
        };
        recorded.push(event);
        await archive.append([{ event, streamId: `${n + 1}-0` }]);
      }
    });

    it("verifies an untouched chain", async () => {
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 5 });
    });

    it("verifies an empty chain", async () => {
      await execute(`delete from "security_events"`);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 0 });
    });

    it("names an event whose reason was altered", async () => {
      await execute(`update "security_events" set "reason" = 'nothing happened' where "id" = ?`, [
        recorded[2].id,
      ]);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
        ok: false,
        firstBadEventId: recorded[2].id,
        sequence: 3,
        problem: "altered",
      });
    });

    it("names an event altered with its hash recomputed, through its successor's link", async () => {
      const [row] = await db.orm.em.fork().find(StoredSecurityEvent, { id: recorded[1].id });
      const hash = chainHash({ ...row, severity: "info" });
      await execute(`update "security_events" set "severity" = 'info', "hash" = ? where "id" = ?`, [
        hash,
        recorded[1].id,
      ]);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
        ok: false,
        firstBadEventId: recorded[1].id,
        sequence: 2,
        problem: "altered",
      });
    });

    it("names the event after a removed one", async () => {
      await execute(`delete from "security_events" where "id" = ?`, [recorded[2].id]);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
        ok: false,
        firstBadEventId: recorded[3].id,
        sequence: 4,
        problem: "removed",
      });
    });

    it("names a break the periodic check reported, though the chain verifies now", async () => {
      const report = {
        ...input(9, { type: "audit.chain_failed", severity: "critical" }),
        reason: "audit chain broken at sequence 9 (event x): removed",
        id: crypto.randomUUID(),
        occurredAt: new Date().toISOString(),
      };
      await new SecurityEventArchive(db.orm.em).append([{ event: report, streamId: "9-0" }]);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
        ok: false,
        firstBadEventId: report.id,
        sequence: 6,
        problem: "reported",
        reason: report.reason,
      });
    });

    describe("against the periodic check's checkpoint", () => {
      /** Records the last event as verified, as the periodic check does. */
      const pinLast = async () => {
        const last = (await rows())[4];
        await execute(
          `insert into "security_event_checkpoints" ("name", "sequence", "event_id", "hash", "updated_at") values ('audit-chain', ?, ?, ?, now())`,
          [last.sequence, last.id, last.hash],
        );
      };

      /** Rewrites the chain from `sequence` on with recomputed hashes, as an attacker could. */
      const rewriteFrom = async (sequence: number) => {
        let previousHash = (await rows())[sequence - 2]?.hash ?? GENESIS_HASH;
        for (const row of (await rows()).slice(sequence - 1)) {
          const hash = chainHash({ ...row, reason: `${row.reason} (rewritten)`, previousHash });
          await execute(
            `update "security_events" set "reason" = ?, "previous_hash" = ?, "hash" = ? where "id" = ?`,
            [`${row.reason} (rewritten)`, previousHash, hash, row.id],
          );
          previousHash = hash;
        }
      };

      it("verifies a chain that still holds the checked event", async () => {
        await pinLast();
        await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 5 });
      });

      it("names the checked event when events were removed from the end", async () => {
        await pinLast();
        await execute(`delete from "security_events" where "sequence" >= 4`);
        await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
          ok: false,
          firstBadEventId: recorded[4].id,
          sequence: 5,
          problem: "removed",
        });
      });

      it("names the checked event when the end was removed and other events appended", async () => {
        await pinLast();
        await execute(`delete from "security_events" where "sequence" >= 4`);
        const archive = new SecurityEventArchive(db.orm.em);
        for (let n = 0; n < 3; n += 1) {
          const event = {
            ...input(n),
            id: crypto.randomUUID(),
            occurredAt: new Date().toISOString(),
          };
          await archive.append([{ event, streamId: `${n + 10}-0` }]);
        }
        await expect(verifyAuditChain(db.orm.em)).resolves.toMatchObject({
          ok: false,
          firstBadEventId: recorded[4].id,
          problem: "removed",
        });
      });

      it("names the checked event when the chain was rewritten with recomputed hashes", async () => {
        await rewriteFrom(3);
        // Without the checkpoint, a consistent rewrite is a valid chain.
        await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({ ok: true, count: 5 });
        await execute(`delete from "security_events"`);
        for (const event of recorded) {
          await new SecurityEventArchive(db.orm.em).append([{ event, streamId: "1-0" }]);
        }
        await pinLast();
        await rewriteFrom(3);
        await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
          ok: false,
          firstBadEventId: recorded[4].id,
          sequence: 5,
          problem: "altered",
        });
      });
    });

    it("names the new first event when the first was removed", async () => {
      await execute(`delete from "security_events" where "id" = ?`, [recorded[0].id]);
      await expect(verifyAuditChain(db.orm.em)).resolves.toEqual({
        ok: false,
        firstBadEventId: recorded[1].id,
        sequence: 2,
        problem: "removed",
      });
    });
  });
});

describe("readSecurityEvent", () => {
  const entry = (event: unknown) => ({ id: "1-0", fields: { event: JSON.stringify(event) } });
  const valid = {
    ...input(1),
    id: "6F1C1F7E-0000-4000-8000-000000000000",
    occurredAt: "2030-01-01T00:00:00Z",
  };

  it("normalizes the id and the time", () => {
    expect(readSecurityEvent(entry(valid))).toEqual({
      ok: true,
      event: { ...valid, id: valid.id.toLowerCase(), occurredAt: "2030-01-01T00:00:00.000Z" },
    });
  });

  it.each([
    ["no JSON", { id: "1-0", fields: { event: "{" } }],
    ["no event field", { id: "1-0", fields: {} }],
    ["an unknown severity", entry({ ...valid, severity: "urgent" })],
    ["a bad date", entry({ ...valid, occurredAt: "yesterday" })],
    ["a number for ip", entry({ ...valid, ip: 7 })],
    ["no reason", entry({ ...valid, reason: undefined })],
  ])("refuses %s", (_name, bad) => {
    expect(readSecurityEvent(bad as never).ok).toBe(false);
  });
});

describe("verifyStoredAuditChain (what `rampart audit verify` runs)", () => {
  it("reads the embedded database folder and reports a broken chain", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-audit-"));
    try {
      const db = await openDatabase({
        schema: "security",
        entities: [StoredSecurityEvent],
        migrations,
        pgliteDataDir: path.join(dataDir, "pglite", "security"),
      });
      const ids: string[] = [];
      try {
        const archive = new SecurityEventArchive(db.orm.em);
        for (let n = 0; n < 3; n += 1) {
          const event = {
            ...input(n),
            id: crypto.randomUUID(),
            occurredAt: new Date().toISOString(),
          };
          ids.push(event.id);
          await archive.append([{ event, streamId: `${n + 1}-0` }]);
        }
      } finally {
        await db.close();
      }
      await expect(verifyStoredAuditChain({ dataDir })).resolves.toEqual({ ok: true, count: 3 });

      const again = await openDatabase({
        schema: "security",
        entities: [StoredSecurityEvent],
        migrations,
        pgliteDataDir: path.join(dataDir, "pglite", "security"),
      });
      try {
        await again.orm.em
          .getConnection()
          .execute(`delete from "security_events" where "id" = ?`, [ids[1]]);
      } finally {
        await again.close();
      }
      await expect(verifyStoredAuditChain({ dataDir })).resolves.toEqual({
        ok: false,
        firstBadEventId: ids[2],
        sequence: 3,
        problem: "removed",
      });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("says how to fix a missing embedded database", async () => {
    await expect(verifyStoredAuditChain({ dataDir: "/nonexistent-rampart" })).rejects.toThrow(
      /start the platform once, or set DATABASE_URL/,
    );
  });

  (databaseUrl ? it : it.skip)("reads a PostgreSQL schema", async () => {
    const schema = uniqueName("security_audit_test");
    const db = await openDatabase({
      schema,
      entities: [StoredSecurityEvent],
      migrations,
      databaseUrl,
    });
    try {
      const event = { ...input(1), id: crypto.randomUUID(), occurredAt: new Date().toISOString() };
      await new SecurityEventArchive(db.orm.em).append([{ event, streamId: "1-0" }]);
      await expect(
        verifyStoredAuditChain({ databaseUrl, dataDir: "/unused", schema }),
      ).resolves.toEqual({ ok: true, count: 1 });
    } finally {
      await db.close();
      await dropSchema(databaseUrl as string, schema);
    }
  });
});
