import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

/** What kind of record an audit entry is about (the `entity` of `auditTrail(entity, id)`). */
export enum AuditedEntity {
  AI_ASSISTANT_CONFIG = "AI_ASSISTANT_CONFIG",
  PAYMENT_SETTINGS = "PAYMENT_SETTINGS",
  KYC_VERIFICATION = "KYC_VERIFICATION",
  STOREFRONT_PAGE = "STOREFRONT_PAGE",
}

registerEnumType(AuditedEntity, {
  name: "AuditedEntity",
  description: "What kind of record an audit entry is about.",
});

/** What happened to the record. */
export enum AuditAction {
  CREATED = "CREATED",
  UPDATED = "UPDATED",
  DELETED = "DELETED",
}

registerEnumType(AuditAction, { name: "AuditAction", description: "What happened to the record." });

/** One field's change, as stored: values already redacted or summarized (see audit.diff.ts). */
export interface StoredChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * One change to an administered record: who, which organization, what (a redacted diff) and
 * when. Written in the transaction of the change it records, then announced as the `audit.*`
 * security event of the same id (`publishedAt` set once the event stream has it), so the
 * security subgraph's hash chain holds every entry.
 */
@ObjectType("AuditEntry", {
  description:
    "One change to an administered record: who, which organization, what (secrets and personal data redacted) and when. Its id is the id of the audit.* security event that announced it.",
})
@Entity({ tableName: "audit_entries" })
@Index({ properties: ["entity", "entityId", "occurredAt"] })
@Index({ properties: ["publishedAt"] })
export class AuditEntry {
  /** The id of the security event that announces it (UUID). */
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Field(() => AuditedEntity)
  @Enum({ items: () => AuditedEntity, nativeEnumName: undefined })
  entity!: AuditedEntity;

  /** The record's id (for per-organization settings, the organization's id). */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  entityId!: string;

  /** The tenant the record belongs to. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  @Field(() => AuditAction)
  @Enum({ items: () => AuditAction, nativeEnumName: undefined })
  action!: AuditAction;

  /** The user who made the change. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  actorId!: string;

  /** Changed fields with their redacted before and after values. */
  @Property({ type: "json" })
  changes!: StoredChange[];

  /** The gateway's request id. */
  @Property({ type: "string", length: 128, nullable: true })
  requestId: string | null = null;

  /** Client IP as the gateway saw it. */
  @Property({ type: "string", length: 64, nullable: true })
  ip: string | null = null;

  @Field(() => Date)
  @Property({ type: "datetime" })
  occurredAt!: Date;

  /** When the event stream took the entry's security event; null until then (the outbox). */
  @Property({ type: "datetime", nullable: true })
  publishedAt: Date | null = null;
}
