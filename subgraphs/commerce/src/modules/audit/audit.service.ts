import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import type { Identity, Logger, SecurityEventRecorder, SecuritySeverity } from "@rampart/kit";
import { AuditAction, AuditEntry, AuditedEntity } from "./audit-entry.entity";
import { redactedDiff, type RedactionPolicy, type Snapshot } from "./audit.diff";

/** How serious a change of each kind of record is, as a security event. */
const SEVERITY: Readonly<Record<AuditedEntity, SecuritySeverity>> = {
  [AuditedEntity.AI_ASSISTANT_CONFIG]: "low",
  [AuditedEntity.PAYMENT_SETTINGS]: "medium",
  [AuditedEntity.KYC_VERIFICATION]: "medium",
  [AuditedEntity.STOREFRONT_PAGE]: "info",
};

/** The security event type of an entry: `audit.<entity>.<action>`, lower case. */
export const auditEventType = (entity: AuditedEntity, action: AuditAction): string =>
  `audit.${entity.toLowerCase()}.${action.toLowerCase()}`;

/** One change to record. */
export interface AuditedChange {
  readonly entity: AuditedEntity;
  readonly entityId: string;
  readonly organizationId: string;
  /** The record before (null: created) and after (null: deleted), as plain data. */
  readonly before: Snapshot | null;
  readonly after: Snapshot | null;
  /** Which fields are secrets or personal data. */
  readonly policy?: RedactionPolicy;
}

/** Entries published per batch by {@link AuditLog.publishPending}. */
const RELAY_BATCH = 500;

/**
 * The audit trail of commerce's administered records. An entry is persisted in the
 * transaction of the change it records ({@link entryFor}); once that commits, {@link publish}
 * appends it to the security event stream as an `audit.*` event of the same id, so it lands in
 * the security subgraph's hash chain (the event's reason holds the entity, id and redacted
 * diff). Entries a stopped process did not publish are published at the next start
 * ({@link publishPending}); the security subgraph stores an event id once, so a repeat is harmless.
 */
export class AuditLog {
  constructor(
    private readonly securityEvents: SecurityEventRecorder,
    private readonly logger: Logger,
  ) {}

  /**
   * Persists (on the next flush of `em`) the entry for a change made by `identity`; null when
   * nothing changed.
   */
  entryFor(em: EntityManager, identity: Identity, change: AuditedChange): AuditEntry | null {
    const changes = redactedDiff(change.before, change.after, change.policy);
    if (changes.length === 0) return null;
    const action =
      change.before === null
        ? AuditAction.CREATED
        : change.after === null
          ? AuditAction.DELETED
          : AuditAction.UPDATED;
    const entry = em.create(AuditEntry, {
      id: randomUUID(),
      entity: change.entity,
      entityId: change.entityId,
      organizationId: change.organizationId,
      action,
      actorId: identity.userId ?? "unknown",
      changes,
      requestId: identity.requestId,
      ip: identity.ip,
      occurredAt: new Date(),
      publishedAt: null,
    });
    em.persist(entry);
    return entry;
  }

  /** Announces committed entries as security events, then marks them published. */
  async publish(em: EntityManager, entries: readonly (AuditEntry | null)[]): Promise<void> {
    for (const entry of entries) {
      if (!entry) continue;
      try {
        await this.securityEvents.record({
          id: entry.id,
          type: auditEventType(entry.entity, entry.action),
          severity: SEVERITY[entry.entity],
          actorId: entry.actorId,
          organizationId: entry.organizationId,
          ip: entry.ip,
          reason: JSON.stringify({
            entity: entry.entity,
            id: entry.entityId,
            changes: entry.changes,
          }),
          requestId: entry.requestId,
          occurredAt: entry.occurredAt.toISOString(),
        });
        await em.nativeUpdate(AuditEntry, { id: entry.id }, { publishedAt: new Date() });
      } catch (error) {
        // The entry is committed: the next start publishes it (publishPending).
        this.logger.error({ err: error, auditEntry: entry.id }, "could not publish an audit entry");
      }
    }
  }

  /** Publishes the entries a stopped process committed but did not announce; returns how many. */
  async publishPending(em: EntityManager): Promise<number> {
    let published = 0;
    for (;;) {
      const pending = await em.find(
        AuditEntry,
        { publishedAt: null },
        { orderBy: { occurredAt: "asc", id: "asc" }, limit: RELAY_BATCH },
      );
      if (pending.length === 0) return published;
      await this.publish(em, pending);
      published += pending.length;
      if (pending.length < RELAY_BATCH) return published;
    }
  }

  /**
   * The history of one record, newest first; `organizationId` limits it to one tenant (null:
   * any tenant, for a superadmin).
   */
  trail(
    em: EntityManager,
    entity: AuditedEntity,
    entityId: string,
    organizationId: string | null,
    first: number,
  ): Promise<AuditEntry[]> {
    return em.find(
      AuditEntry,
      { entity, entityId, ...(organizationId === null ? {} : { organizationId }) },
      { orderBy: { occurredAt: "desc", id: "desc" }, limit: first },
    );
  }
}
