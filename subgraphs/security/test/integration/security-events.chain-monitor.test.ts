import {
  AUDIT_CHAIN_CHECKPOINT,
  chainHash,
  createLogger,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
} from "@rampart/kit";
import type { Database, Stores } from "@rampart/kit/stores";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "../../src/modules/security-events";
import { AuditChainMonitor, SecurityEventArchive } from "../../src/modules/event-pipeline";
import {
  clearTables,
  event,
  openTestDatabase,
  openTestStores,
  setups,
  store,
  waitFor,
} from "./support/security-event-fixtures";

const logger = createLogger({ service: "chain-monitor-test", level: "silent" });

describe.each(setups)("periodic audit chain check on $name", (setup) => {
  let db: Database;
  let drop: () => Promise<void>;
  let stores: Stores;
  let archive: SecurityEventArchive;
  let monitor: AuditChainMonitor;

  const execute = (sql: string, params: unknown[] = []) =>
    db.orm.em.getConnection().execute(sql, params);
  const rows = () =>
    db.orm.em.fork().find(StoredSecurityEvent, {}, { orderBy: { sequence: "asc" } });
  const checkpoint = () =>
    db.orm.em.fork().findOne(SecurityEventCheckpoint, { name: AUDIT_CHAIN_CHECKPOINT });
  const reported = async () =>
    (await stores.events.read(SECURITY_EVENT_STREAM, { count: 1_000 }))
      .map((entry) => parseSecurityEvent(entry.fields))
      .filter((recorded) => recorded.type === "audit.chain_failed");
  const storeMany = async (count: number, from = 0) => {
    for (let n = from; n < from + count; n += 1) await store(archive, [event(n)]);
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
    archive = new SecurityEventArchive(db.orm.em);
    monitor = new AuditChainMonitor({
      em: db.orm.em,
      securityEvents: new SecurityEventRecorder(stores.events),
      logger,
      intervalMs: 60_000,
      pageSize: 4,
    });
  });

  afterEach(async () => {
    await monitor.stop();
    await stores.close();
  });

  it("verifies an untouched chain page by page and remembers where it stopped", async () => {
    await storeMany(10);
    await expect(monitor.verify()).resolves.toEqual([]);
    const last = (await rows())[9];
    expect(await checkpoint()).toMatchObject({ sequence: 10, eventId: last.id, hash: last.hash });
    await storeMany(3, 10);
    await expect(monitor.verify()).resolves.toEqual([]);
    expect(await checkpoint()).toMatchObject({ sequence: 13 });
    expect(await reported()).toEqual([]);
  });

  it("goes on from the checkpoint: events verified before are not read again", async () => {
    await storeMany(5);
    await monitor.verify();
    // Altering an already verified event is for `rampart audit verify`, which reads everything.
    await execute(`update "security_events" set "reason" = 'edited' where "sequence" = 2`);
    await storeMany(2, 5);
    await expect(monitor.verify()).resolves.toEqual([]);
  });

  it("reports an altered event once, as a critical audit.chain_failed event, and goes on past it", async () => {
    await storeMany(6);
    const altered = (await rows())[3];
    await execute(`update "security_events" set "reason" = 'nothing happened' where "id" = ?`, [
      altered.id,
    ]);
    await expect(monitor.verify()).resolves.toEqual([
      { ok: false, firstBadEventId: altered.id, sequence: 4, problem: "altered" },
    ]);
    const [failure] = await reported();
    expect(failure).toMatchObject({ type: "audit.chain_failed", severity: "critical" });
    expect(failure.reason).toContain(altered.id);
    expect(await checkpoint()).toMatchObject({ sequence: 6 });

    await storeMany(2, 6);
    await expect(monitor.verify()).resolves.toEqual([]);
    expect(await reported()).toHaveLength(1);
  });

  it("reports a removed event, naming the one after the gap, and finds a later break too", async () => {
    await storeMany(8);
    const stored = await rows();
    await execute(`delete from "security_events" where "id" = ?`, [stored[2].id]);
    const [sixth] = await db.orm.em.fork().find(StoredSecurityEvent, { sequence: 6 });
    const rewritten = chainHash({ ...sixth, reason: "rewritten" });
    await execute(
      `update "security_events" set "reason" = 'rewritten', "hash" = ? where "sequence" = 6`,
      [rewritten],
    );
    const breaks = await monitor.verify();
    expect(breaks).toEqual([
      { ok: false, firstBadEventId: stored[3].id, sequence: 4, problem: "removed" },
      { ok: false, firstBadEventId: stored[5].id, sequence: 6, problem: "altered" },
    ]);
    expect(await reported()).toHaveLength(2);
  });

  it("reports events removed from the end, which leave no gap, and goes on from the chain as stored", async () => {
    await storeMany(6);
    await monitor.verify();
    const stored = await rows();
    await execute(`delete from "security_events" where "sequence" >= 5`);
    await expect(monitor.verify()).resolves.toEqual([
      { ok: false, firstBadEventId: stored[5].id, sequence: 6, problem: "removed" },
    ]);
    expect(await checkpoint()).toMatchObject({ sequence: 4, eventId: stored[3].id });

    await storeMany(3, 6);
    await expect(monitor.verify()).resolves.toEqual([]);
    expect(await checkpoint()).toMatchObject({ sequence: 7 });
    const [failure] = await reported();
    expect(failure.reason).toContain(stored[5].id);
    expect(await reported()).toHaveLength(1);
  });

  it("reports a checked event stored with another hash once, and goes on from it", async () => {
    await storeMany(4);
    await monitor.verify();
    const [fourth] = await db.orm.em.fork().find(StoredSecurityEvent, { sequence: 4 });
    const rewritten = chainHash({ ...fourth, reason: "rewritten" });
    await execute(
      `update "security_events" set "reason" = 'rewritten', "hash" = ? where "sequence" = 4`,
      [rewritten],
    );
    await expect(monitor.verify()).resolves.toEqual([
      { ok: false, firstBadEventId: fourth.id, sequence: 4, problem: "altered" },
    ]);
    expect(await checkpoint()).toMatchObject({ sequence: 4, hash: rewritten });
    await storeMany(2, 4);
    await expect(monitor.verify()).resolves.toEqual([]);
    expect(await reported()).toHaveLength(1);
  });

  it("runs at start and then every interval", async () => {
    await storeMany(3);
    await execute(`update "security_events" set "severity" = 'info' where "sequence" = 2`);
    const periodic = new AuditChainMonitor({
      em: db.orm.em,
      securityEvents: new SecurityEventRecorder(stores.events),
      logger,
      intervalMs: 100,
    });
    periodic.start();
    try {
      await waitFor("the break found at start", async () => (await reported()).length === 1);
      await storeMany(2, 3);
      await waitFor("a later check", async () => (await checkpoint())?.sequence === 5);
      expect(await reported()).toHaveLength(1);
    } finally {
      await periodic.stop();
    }
  });
});
