import { randomUUID } from "node:crypto";
import {
  createLogger,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
} from "@rampart/kit";
import { createStores, openDatabase, type Database, type Stores } from "@rampart/kit/stores";
import { dropSchema, testServices, uniqueName } from "@rampart/kit/testing";
import { AuditAction, AuditEntry, AuditedEntity } from "../../src/modules/audit/audit-entry.entity";
import { AuditLog } from "../../src/modules/audit/audit.service";
import { commerceSubgraph } from "../../src/subgraph";

/**
 * The audit outbox: an entry committed by a process that stopped before announcing it is
 * announced, with its own id and time, by the next start (`AuditLog.publishPending`), and marked
 * published; announcing it again adds nothing new to what the security subgraph stores (same id).
 */
describe("the audit outbox", () => {
  const { databaseUrl, redisUrl } = testServices();
  const schema = uniqueName("commerce_outbox");
  let database: Database;
  let stores: Stores;
  beforeAll(async () => {
    database = await openDatabase({
      schema,
      entities: commerceSubgraph.entities,
      migrations: commerceSubgraph.migrations,
      databaseUrl,
      pgliteDataDir: "memory://",
    });
    stores = createStores({ redisUrl, keyPrefix: `${schema}:` });
  });
  afterAll(async () => {
    await stores?.close();
    await database?.close();
    if (databaseUrl) await dropSchema(databaseUrl, schema);
  });

  it("publishes entries left unpublished, once each, as audit.* events of the same id", async () => {
    const em = database.orm.em.fork();
    const occurredAt = new Date(Date.UTC(2026, 11, 1, 9, 30));
    const left = em.create(AuditEntry, {
      id: randomUUID(),
      entity: AuditedEntity.PAYMENT_SETTINGS,
      entityId: "org_outbox",
      organizationId: "org_outbox",
      action: AuditAction.UPDATED,
      actorId: "user_outbox",
      changes: [{ field: "secretKey", before: "[redacted]", after: "[redacted]" }],
      requestId: "req_outbox",
      ip: "203.0.113.9",
      occurredAt,
      publishedAt: null,
    });
    await em.persist(left).flush();

    const audit = new AuditLog(
      new SecurityEventRecorder(stores.events),
      createLogger({ service: "commerce", level: "silent" }),
    );
    expect(await audit.publishPending(database.orm.em.fork())).toBe(1);
    expect(await audit.publishPending(database.orm.em.fork())).toBe(0);

    const events = (await stores.events.read(SECURITY_EVENT_STREAM, { count: 1_000 })).map(
      (entry) => parseSecurityEvent(entry.fields),
    );
    expect(events).toEqual([
      {
        id: left.id,
        type: "audit.payment_settings.updated",
        severity: "medium",
        actorId: "user_outbox",
        organizationId: "org_outbox",
        ip: "203.0.113.9",
        // jsonb keeps keys in its own order: compared as data below.
        reason: expect.any(String),
        requestId: "req_outbox",
        occurredAt: occurredAt.toISOString(),
      },
    ]);
    expect(JSON.parse(events[0].reason)).toEqual({
      entity: "PAYMENT_SETTINGS",
      id: "org_outbox",
      changes: [{ field: "secretKey", before: "[redacted]", after: "[redacted]" }],
    });
    const stored = await database.orm.em.fork().findOneOrFail(AuditEntry, { id: left.id });
    expect(stored.publishedAt).toBeInstanceOf(Date);
  });
});
