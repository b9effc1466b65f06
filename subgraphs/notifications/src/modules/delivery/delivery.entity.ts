import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { NotificationChannel } from "../notifications/notification.entity";

/**
 * Where a delivery stands: `PENDING` (queued) → `SENDING` (a worker is calling the provider) →
 * `SENT`; or `FAILED` (the last attempt failed: retried later when the failure was transient,
 * never when the provider refused it) → `DEAD` (no attempt left).
 */
export enum DeliveryStatus {
  PENDING = "PENDING",
  SENDING = "SENDING",
  SENT = "SENT",
  FAILED = "FAILED",
  DEAD = "DEAD",
}
registerEnumType(DeliveryStatus, {
  name: "DeliveryStatus",
  description: "Where a delivery stands: PENDING → SENDING → SENT, or FAILED → DEAD.",
});

/** One notification sent over one channel to one destination. */
@ObjectType("Delivery", {
  description: "One notification sent over one channel to one destination.",
})
@Entity({ tableName: "deliveries" })
@Index({ properties: ["notificationId", "createdAt"] })
export class Delivery {
  /** Also the idempotency key every provider receives, the same on every attempt. */
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Property({ type: "string", length: 64 })
  notificationId!: string;

  /** Tenant of its notification. */
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  @Field(() => NotificationChannel)
  @Enum({ items: () => NotificationChannel })
  channel!: NotificationChannel;

  /** Email address, phone number or URL; read through `maskedDestination` only. */
  @Property({ type: "text" })
  destination!: string;

  /**
   * The channel preference this delivery is for; null for the configured alert channels. At
   * send time the preference must still exist and be enabled, and a webhook is signed with its
   * current secret. Not a foreign key: a removed preference must not turn this into null.
   */
  @Property({ type: "uuid", nullable: true })
  preferenceId: string | null = null;

  @Field(() => DeliveryStatus)
  @Enum({ items: () => DeliveryStatus })
  status: DeliveryStatus = DeliveryStatus.PENDING;

  /** Provider calls started so far. */
  @Field(() => Int)
  @Property({ type: "integer" })
  attempts: number = 0;

  /** Why the last attempt failed (provider status or network error, never a secret). */
  @Field(() => String, { nullable: true })
  @Property({ type: "text", nullable: true })
  lastError: string | null = null;

  /** The provider's id for the sent message (SMTP message id, Twilio SID, ...). */
  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 200, nullable: true })
  providerMessageId: string | null = null;

  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();

  @Field(() => Date)
  @Property({ type: "datetime" })
  updatedAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  lastAttemptAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  sentAt: Date | null = null;
}
