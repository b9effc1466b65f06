import { BigIntType, Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType } from "type-graphql";

/** Severities an event may carry (kit's `SecuritySeverity`). */
export const SECURITY_SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;

/**
 * A security event as stored by the security subgraph: one row per event id, in the order of
 * the audit chain. Rows are only ever inserted (see SecurityEventArchive); `sequence` counts
 * from 1 with no gaps, so a gap is a removal, and `hash` covers the event and `previousHash`.
 */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityEvent", {
  description: "A security-relevant decision, stored once and chained to the one before it.",
})
@Entity({ tableName: "security_events" })
@Index({ name: "security_events_type_sequence_index", properties: ["type", "sequence"] })
@Index({ name: "security_events_severity_sequence_index", properties: ["severity", "sequence"] })
@Index({
  name: "security_events_organization_id_sequence_index",
  properties: ["organizationId", "sequence"],
})
@Index({ name: "security_events_actor_id_sequence_index", properties: ["actorId", "sequence"] })
@Index({ name: "security_events_ip_sequence_index", properties: ["ip", "sequence"] })
// Alert rules count events of some types within an hour.
@Index({ name: "security_events_type_occurred_at_index", properties: ["type", "occurredAt"] })
export class StoredSecurityEvent {
  /** The event's own id, so storing it again is a no-op. */
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id!: string;

  /** Position in the audit chain: 1, 2, 3... assigned at insert, under a lock, no gaps. */
  @Property({ type: new BigIntType("number"), unique: "security_events_sequence_unique" })
  sequence!: number;

  /** Dotted type, such as `authentication.failed`. */
  @Field(() => String, { description: "Dotted type, such as authentication.failed." })
  @Property({ type: "text" })
  type!: string;

  /** `info`, `low`, `medium`, `high` or `critical`. */
  @Field(() => String, { description: "info, low, medium, high or critical." })
  @Property({ type: "text" })
  severity!: string;

  /** User who acted, when known. */
  @Field(() => ID, { nullable: true })
  @Property({ type: "text", nullable: true })
  actorId: string | null = null;

  /** Organization the action concerned, when known. */
  @Field(() => ID, { nullable: true })
  @Property({ type: "text", nullable: true })
  organizationId: string | null = null;

  /** Client IP, when known. */
  @Field(() => String, { nullable: true })
  @Property({ type: "text", nullable: true })
  ip: string | null = null;

  /** Why (never a credential). */
  @Field(() => String)
  @Property({ type: "text" })
  reason!: string;

  /** Request that caused it, when known. */
  @Field(() => String, { nullable: true })
  @Property({ type: "text", nullable: true })
  requestId: string | null = null;

  /** When it happened. */
  @Field(() => Date)
  @Index({ name: "security_events_occurred_at_index" })
  @Property({ type: "datetime" })
  occurredAt!: Date;

  /** Id of the event-stream entry it came from (`<ms>-<seq>`), for tracing. */
  @Property({ type: "text" })
  streamId!: string;

  /** Hash of the event before it in the chain; 64 zeros for the first. */
  @Property({ type: "text" })
  previousHash!: string;

  /** sha256 hex of this event's canonical JSON and `previousHash` (see packages/kit/src/audit-chain/chain.ts). */
  @Property({ type: "text" })
  hash!: string;
}
