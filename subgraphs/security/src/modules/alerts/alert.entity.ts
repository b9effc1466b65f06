import { Entity, Enum, Index, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

/** Where an alert is in its life: open, then acknowledged (optional), then resolved. */
export enum AlertStatus {
  OPEN = "open",
  ACKNOWLEDGED = "acknowledged",
  RESOLVED = "resolved",
}
registerEnumType(AlertStatus, {
  name: "AlertStatus",
  description: "Open, then acknowledged (optional), then resolved.",
});

/**
 * Something an alert rule saw in the stored security events (see alert.policy.ts). While an
 * alert is not resolved, further triggers with the same `dedupKey` only count on it
 * (`occurrences`, `lastSeenAt`): a partial unique index keeps one unresolved alert per key.
 */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityAlert", {
  description: "Raised by an alert rule; deduplicated while open or acknowledged.",
})
@Entity({ tableName: "security_alerts" })
@Unique({
  name: "security_alerts_unresolved_dedup_key_unique",
  expression: `create unique index "security_alerts_unresolved_dedup_key_unique" on "security_alerts" ("dedup_key") where "status" <> 'resolved'`,
})
@Index({
  name: "security_alerts_status_first_seen_at_index",
  properties: ["status", "firstSeenAt"],
})
@Index({ name: "security_alerts_first_seen_at_index", properties: ["firstSeenAt"] })
export class SecurityAlert {
  /** Random id. */
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id!: string;

  /** The rule that raised it, such as `failed-logins`. */
  @Field(() => String, { description: "The rule that raised it, such as failed-logins." })
  @Property({ type: "text" })
  rule!: string;

  /** What repeated triggers are grouped by while the alert is not resolved. */
  @Field(() => String, {
    description: "What repeated triggers are counted on while the alert is not resolved.",
  })
  @Property({ type: "text" })
  dedupKey!: string;

  /** `info`, `low`, `medium`, `high` or `critical`, as for events. */
  @Field(() => String, { description: "info, low, medium, high or critical." })
  @Property({ type: "text" })
  severity!: string;

  @Field(() => AlertStatus)
  @Enum({ items: () => AlertStatus })
  status!: AlertStatus;

  /** One line, such as "More than 10 failed logins in an hour". */
  @Field(() => String)
  @Property({ type: "text" })
  title!: string;

  /** What the latest trigger saw. */
  @Field(() => String, { description: "What the latest trigger saw." })
  @Property({ type: "text" })
  summary!: string;

  /** Triggers counted on this alert, the first included. */
  @Field(() => Int, { description: "Triggers counted on this alert, the first included." })
  @Property({ type: "integer" })
  occurrences!: number;

  /** When the first trigger's event occurred. */
  @Field(() => Date)
  @Property({ type: "datetime" })
  firstSeenAt!: Date;

  /** When the latest trigger's event occurred. */
  @Field(() => Date)
  @Property({ type: "datetime" })
  lastSeenAt!: Date;

  /** User who acknowledged it. */
  @Field(() => ID, { nullable: true })
  @Property({ type: "text", nullable: true })
  acknowledgedById: string | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  acknowledgedAt: Date | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: "text", nullable: true })
  acknowledgementNote: string | null = null;

  /** User who resolved it. */
  @Field(() => ID, { nullable: true })
  @Property({ type: "text", nullable: true })
  resolvedById: string | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  resolvedAt: Date | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: "text", nullable: true })
  resolutionNote: string | null = null;
}
