import type { AbstractSqlDriver } from "@mikro-orm/postgresql";
import {
  ConfigError,
  createLogger,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  parseSecurityEvent,
  type SecurityEvent,
} from "@rampart/kit";
import type { Database, Stores } from "@rampart/kit/stores";
import { parseSecurityConfig } from "../../src/config";
import { Migration20261128120000Alerts } from "../../src/migrations/Migration20261128120000Alerts";
import {
  ALERT_RULES_CHECKPOINT,
  AlertEngine,
  AlertNotifier,
  alertPolicyOf,
  AlertStatus,
  checkAlertRules,
  defaultAlertRules,
  SECURITY_ALERTS_CHANNEL,
  SecurityAlert,
  subscribeToAlerts,
  type AlertPolicySettings,
} from "../../src/modules/alerts";
import { SecurityEventCheckpoint } from "../../src/modules/security-events";
import { SecurityEventArchive } from "../../src/modules/event-pipeline";
import {
  clearTables,
  event,
  openTestDatabase,
  openTestStores,
  setups,
  store,
  take,
  TestPubSub,
  waitFor,
} from "./support/security-event-fixtures";

const logger = createLogger({ service: "alerts-test", level: "silent" });
const MINUTE = 60_000;
/** A fixed hour, far from the clock, so windows are exact. */
const T0 = Date.UTC(2031, 5, 1, 12, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();

describe.each(setups)("alert rules on $name", (setup) => {
  let db: Database;
  let drop: () => Promise<void>;
  let stores: Stores;
  let archive: SecurityEventArchive;
  let announcements: { change: string; alert: { id: string; status: string } }[];
  let unsubscribe: () => Promise<void>;

  const engineWith = (settings?: AlertPolicySettings) =>
    new AlertEngine({
      em: db.orm.em,
      rules: defaultAlertRules(settings),
      notifier: new AlertNotifier(new SecurityEventRecorder(stores.events), stores.pubsub, logger),
      logger,
    });
  let engine: AlertEngine;
  const alerts = () =>
    db.orm.em.fork().find(SecurityAlert, {}, { orderBy: { firstSeenAt: "asc", rule: "asc" } });
  /** Stores events (one batch) and evaluates the rules, as the consumer does. */
  const storeAndEvaluate = async (events: SecurityEvent[]) => {
    await store(archive, events);
    await engine.evaluate();
  };
  const failedLogin = (minute: number, n = minute) =>
    event(n, { type: "authentication.failed", occurredAt: at(minute), ip: "203.0.113.5" });
  const alertEvents = async () =>
    (await stores.events.read(SECURITY_EVENT_STREAM, { count: 1_000 }))
      .map((entry) => parseSecurityEvent(entry.fields))
      .filter((recorded) => recorded.type.startsWith("alert."));

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
    engine = engineWith();
    announcements = [];
    unsubscribe = await stores.pubsub.subscribe(SECURITY_ALERTS_CHANNEL, (message) =>
      announcements.push(JSON.parse(message)),
    );
  });

  afterEach(async () => {
    await engine.idle();
    await unsubscribe();
    await stores.close();
  });

  it("the migration creates what the entities describe", async () => {
    const fromEntities = (await db.orm.getSchemaGenerator().getCreateSchemaSQL({ wrap: false }))
      .split("\n")
      .filter(
        (line) =>
          line.startsWith("create") &&
          (line.includes('"security_alerts"') ||
            line.includes('"security_event_checkpoints"') ||
            line.includes('"security_events_type_occurred_at_index"')),
      )
      .sort();
    const migration = new Migration20261128120000Alerts(
      db.orm.em.getDriver() as AbstractSqlDriver,
      db.orm.config,
    );
    await migration.up();
    const created = migration
      .getQueries()
      .map(String)
      .filter((query) => query.startsWith("create"))
      .sort();
    expect(created).toEqual(fromEntities);
  });

  it("raises nothing at 10 failed logins in an hour, and one high alert at the 11th", async () => {
    await storeAndEvaluate(Array.from({ length: 10 }, (_, n) => failedLogin(n * 5)));
    expect(await alerts()).toEqual([]);

    await storeAndEvaluate([failedLogin(50)]);
    const [alert, ...others] = await alerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({
      rule: "failed-logins",
      dedupKey: "failed-logins",
      severity: "high",
      status: AlertStatus.OPEN,
      title: "More than 10 failed logins in an hour",
      occurrences: 1,
      firstSeenAt: new Date(at(50)),
      lastSeenAt: new Date(at(50)),
    });
    expect(alert.summary).toContain("11 failed logins");
  });

  // Regression: the refusal sink stores a one-IP flood as its first event and one that counts
  // the rest, and the rule counted rows: 100 failed logins in a minute raised nothing.
  it("counts a flood the refusal sink stored as two events as the flood it was", async () => {
    await storeAndEvaluate([
      failedLogin(1),
      event(2, {
        type: "authentication.failed",
        occurredAt: at(2),
        ip: "203.0.113.5",
        reason:
          "repeated 99 more times from this IP in the 60 s from 2026-12-04T10:01:00.000Z; last: token-invalid",
      }),
    ]);
    const [alert] = await alerts();
    expect(alert).toMatchObject({ rule: "failed-logins" });
    expect(alert.summary).toContain("101 failed logins");
  });

  it("counts only the trailing hour: 11 failed logins over more than an hour raise nothing", async () => {
    for (let n = 0; n < 11; n += 1) await storeAndEvaluate([failedLogin(n * 7)]);
    expect(await alerts()).toEqual([]);
  });

  it("gives the same alert whatever the batching", async () => {
    await storeAndEvaluate(Array.from({ length: 13 }, (_, n) => failedLogin(n)));
    expect(await alerts()).toMatchObject([{ rule: "failed-logins", occurrences: 3 }]);
    expect(await alertEvents()).toHaveLength(1);
  });

  it("deduplicates while open or acknowledged, and raises a new alert after resolve", async () => {
    await storeAndEvaluate(Array.from({ length: 11 }, (_, n) => failedLogin(n)));
    await storeAndEvaluate([failedLogin(20)]);
    await storeAndEvaluate([failedLogin(21), failedLogin(22)]);
    let [alert] = await alerts();
    expect(await alerts()).toHaveLength(1);
    expect(alert).toMatchObject({ occurrences: 4, lastSeenAt: new Date(at(22)) });

    await db.orm.em
      .fork()
      .nativeUpdate(SecurityAlert, { id: alert.id }, { status: AlertStatus.ACKNOWLEDGED });
    await storeAndEvaluate([failedLogin(23)]);
    [alert] = await alerts();
    expect(await alerts()).toHaveLength(1);
    expect(alert).toMatchObject({ status: AlertStatus.ACKNOWLEDGED, occurrences: 5 });

    await db.orm.em
      .fork()
      .nativeUpdate(SecurityAlert, { id: alert.id }, { status: AlertStatus.RESOLVED });
    await storeAndEvaluate([failedLogin(24)]);
    const [resolved, raised] = await alerts();
    expect(resolved).toMatchObject({ id: alert.id, status: AlertStatus.RESOLVED, occurrences: 5 });
    expect(raised).toMatchObject({
      rule: "failed-logins",
      status: AlertStatus.OPEN,
      occurrences: 1,
      firstSeenAt: new Date(at(24)),
    });
    expect(raised.id).not.toBe(alert.id);
  });

  it("raises at more than 5 IP violations of either kind", async () => {
    const violation = (n: number) =>
      event(n, {
        type: n % 2 === 0 ? "ip_allowlist.refused" : "ip.refused",
        occurredAt: at(n),
      });
    await storeAndEvaluate(Array.from({ length: 5 }, (_, n) => violation(n)));
    expect(await alerts()).toEqual([]);
    await storeAndEvaluate([violation(5)]);
    expect(await alerts()).toMatchObject([
      { rule: "ip-violations", severity: "high", occurrences: 1 },
    ]);
  });

  it("follows the configured thresholds", async () => {
    const config = parseSecurityConfig({
      ALERT_FAILED_LOGINS_PER_HOUR: "2",
      ALERT_IP_VIOLATIONS_PER_HOUR: "0",
    });
    engine = engineWith(alertPolicyOf(config));
    await storeAndEvaluate([failedLogin(0), failedLogin(1)]);
    expect(await alerts()).toEqual([]);
    await storeAndEvaluate([failedLogin(2), event(99, { type: "ip.refused", occurredAt: at(2) })]);
    expect((await alerts()).map((alert) => [alert.rule, alert.title]).sort()).toEqual([
      ["failed-logins", "More than 2 failed logins in an hour"],
      ["ip-violations", "More than 0 IP violations in an hour"],
    ]);
    expect(() => parseSecurityConfig({ ALERT_FAILED_LOGINS_PER_HOUR: "-1" })).toThrow(ConfigError);
    expect(() => parseSecurityConfig({ ALERT_IP_VIOLATIONS_PER_HOUR: "many" })).toThrow(
      /ALERT_IP_VIOLATIONS_PER_HOUR/,
    );
  });

  it("raises on any lockout, one alert per locked-out user", async () => {
    const lockout = (user: string, minute: number) =>
      event(minute, {
        type: "two_factor.lockout",
        severity: "high",
        actorId: user,
        occurredAt: at(minute),
      });
    await storeAndEvaluate([lockout("user_a", 0)]);
    await storeAndEvaluate([lockout("user_b", 1), lockout("user_a", 2)]);
    const raised = await alerts();
    expect(raised.map((alert) => [alert.dedupKey, alert.occurrences, alert.severity])).toEqual([
      ["lockout:user_a", 2, "high"],
      ["lockout:user_b", 1, "high"],
    ]);
  });

  it("raises a critical alert on any lockdown change and on an audit-chain failure", async () => {
    await storeAndEvaluate([
      event(1, { type: "lockdown.activated", severity: "critical", occurredAt: at(1) }),
    ]);
    await storeAndEvaluate([
      event(2, { type: "lockdown.deactivated", severity: "critical", occurredAt: at(2) }),
      event(3, { type: "audit.chain_failed", severity: "critical", occurredAt: at(3) }),
    ]);
    expect(
      (await alerts()).map((alert) => [alert.rule, alert.severity, alert.occurrences]),
    ).toEqual([
      ["lockdown-change", "critical", 2],
      ["audit-chain-failure", "critical", 1],
    ]);
  });

  it("records alert.raised (severity of the alert) on the stream and announces it", async () => {
    await storeAndEvaluate(Array.from({ length: 11 }, (_, n) => failedLogin(n)));
    await storeAndEvaluate([
      event(1, { type: "lockdown.activated", actorId: "user_root", occurredAt: at(30) }),
    ]);
    const [failed, lockdown] = await alerts();
    expect(
      (await alertEvents()).map((recorded) => [recorded.type, recorded.severity, recorded.actorId]),
    ).toEqual([
      ["alert.raised", "high", null],
      ["alert.raised", "critical", "user_root"],
    ]);
    expect((await alertEvents())[0].reason).toContain(failed.id);
    await waitFor("both announcements", () => announcements.length === 2);
    expect(announcements.map(({ change, alert }) => [change, alert.id, alert.status])).toEqual([
      ["raised", failed.id, "open"],
      ["raised", lockdown.id, "open"],
    ]);
  });

  it("never fires on alert.* events, and refuses rules that would watch them", async () => {
    await storeAndEvaluate(
      Array.from({ length: 30 }, (_, n) =>
        event(n, { type: n % 2 ? "alert.raised" : "alert.resolved", severity: "critical" }),
      ),
    );
    expect(await alerts()).toEqual([]);
    expect(() =>
      checkAlertRules([
        {
          kind: "every",
          id: "loop",
          title: "Loop",
          severity: "low",
          types: ["alert.raised"],
          dedupKey: () => "loop",
        },
      ]),
    ).toThrow(/may not watch alert.raised/);
  });

  it("evaluates each event once, across repeated runs and two engines (replicas)", async () => {
    const other = engineWith();
    await store(
      archive,
      Array.from({ length: 12 }, (_, n) => failedLogin(n)),
    );
    await Promise.all([engine.evaluate(), other.evaluate(), engine.evaluate()]);
    await other.evaluate();
    expect(await alerts()).toMatchObject([{ rule: "failed-logins", occurrences: 2 }]);
    expect(await alertEvents()).toHaveLength(1);
    const checkpoint = await db.orm.em
      .fork()
      .findOneOrFail(SecurityEventCheckpoint, { name: ALERT_RULES_CHECKPOINT });
    expect(checkpoint.sequence).toBe(12);
  });

  it("keeps one unresolved alert per dedup key in SQL, not only in code", async () => {
    await storeAndEvaluate([event(1, { type: "lockdown.activated", occurredAt: at(1) })]);
    const [alert] = await alerts();
    const copy = (status: AlertStatus) =>
      db.orm.em.getConnection().execute(
        `insert into "security_alerts" ("id", "rule", "dedup_key", "severity", "status", "title", "summary", "occurrences", "first_seen_at", "last_seen_at")
         values (?, 'lockdown-change', ?, 'critical', ?, 't', 's', 1, now(), now())`,
        [crypto.randomUUID(), alert.dedupKey, status],
      );
    await expect(copy(AlertStatus.ACKNOWLEDGED)).rejects.toThrow(
      /security_alerts_unresolved_dedup_key_unique|unique/i,
    );
    await expect(copy(AlertStatus.RESOLVED)).resolves.toBeDefined();
    await expect(copy(AlertStatus.RESOLVED)).resolves.toBeDefined();
  });

  it("streams alert changes filtered by status, and unsubscribes on return()", async () => {
    const pubsub = new TestPubSub(stores.pubsub);
    const all = await subscribeToAlerts(pubsub, null, logger);
    const resolved = await subscribeToAlerts(pubsub, [AlertStatus.RESOLVED], logger);
    expect(pubsub.active).toBe(2);
    await storeAndEvaluate([event(1, { type: "lockdown.activated", occurredAt: at(1) })]);
    const [alert] = await alerts();
    const notifier = new AlertNotifier(
      new SecurityEventRecorder(stores.events),
      stores.pubsub,
      logger,
    );
    await notifier.announce(
      Object.assign(alert, { status: AlertStatus.RESOLVED, resolvedAt: new Date(at(5)) }),
      "resolved",
    );
    const [raised, closed] = await take(all, 2);
    expect([raised.status, closed.status]).toEqual([AlertStatus.OPEN, AlertStatus.RESOLVED]);
    expect(closed.resolvedAt).toEqual(new Date(at(5)));
    expect(closed.firstSeenAt).toEqual(new Date(at(1)));
    expect((await take(resolved, 1))[0]).toMatchObject({ id: alert.id, status: "resolved" });

    const pending = all.next();
    await all.return?.();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await resolved.return?.();
    expect(pubsub.active).toBe(0);
  });
});
