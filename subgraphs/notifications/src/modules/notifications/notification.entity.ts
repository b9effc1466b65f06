import { Entity, Enum, Index, PrimaryKey, Property, type Opt } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";

/** How a notification reaches its recipient. */
export enum NotificationChannel {
  IN_APP = "IN_APP",
  EMAIL = "EMAIL",
  SMS = "SMS",
  SLACK = "SLACK",
  WEBHOOK = "WEBHOOK",
}
registerEnumType(NotificationChannel, {
  name: "NotificationChannel",
  description: "How a notification is delivered.",
});

/**
 * Whom a notification is for: the organization's own people (a user, or its admins as a whole),
 * or the customer of one of its shipments. Lists of the organization's people never show
 * customer notifications; those are read through their shipment.
 */
export enum NotificationAudience {
  /** A user of the organization, or its admins as a whole (security alerts). */
  STAFF = "STAFF",
  /** The customer of a shipment (email and SMS only; read as `Shipment.customerNotifications`). */
  CUSTOMER = "CUSTOMER",
}
registerEnumType(NotificationAudience, {
  name: "NotificationAudience",
  description:
    "Whom a notification is for: the organization's people (STAFF) or a shipment's customer (CUSTOMER).",
});

/** A message to one user, within one organization, or to a customer of the organization. */
@Directive('@key(fields: "id")')
@ObjectType("Notification", {
  description:
    "A message to one user, within one organization, to its admins as a whole, or to the customer of one of its shipments.",
})
@Entity({ tableName: "notifications" })
@Index({ properties: ["userId", "createdAt"] })
@Index({ properties: ["organizationId", "shipmentId", "createdAt"] })
export class Notification {
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** Recipient (owned by security); null when addressed to the organization's admins as a whole. */
  @Field(() => ID, { nullable: true })
  @Property({ type: "string", length: 64, nullable: true })
  userId: string | null = null;

  /** Tenant it concerns. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** Whom it is for; `CUSTOMER` notifications stay out of the organization's own lists. */
  @Field(() => NotificationAudience)
  @Enum({ items: () => NotificationAudience, default: NotificationAudience.STAFF })
  audience: Opt<NotificationAudience> = NotificationAudience.STAFF;

  /** The shipment (owned by fulfillment) a customer notification is about; null otherwise. */
  @Property({ type: "string", length: 64, nullable: true })
  shipmentId: string | null = null;

  @Field(() => NotificationChannel)
  @Enum({ items: () => NotificationChannel })
  channel!: NotificationChannel;

  @Field(() => String)
  @Property({ type: "string", length: 200 })
  title!: string;

  @Field(() => String)
  @Property({ type: "text" })
  body!: string;

  /** When the recipient read it; null while unread. */
  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  readAt: Date | null = null;

  /** Severity of the security alert it carries; null for other notifications. */
  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 16, nullable: true })
  severity: string | null = null;

  /** When the recipient archived it; archived notifications leave the default lists. */
  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  archivedAt: Date | null = null;

  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();

  /**
   * The security event that caused it (an alert or a lockdown switch), unique: a re-delivered
   * event finds its notification instead of dispatching twice. Not exposed.
   */
  @Property({ type: "string", length: 64, nullable: true, unique: true })
  sourceEventId: string | null = null;

  /**
   * The customer notice (fulfillment's notify job id) it was made from, unique: a notice
   * appended or read twice makes one notification (insert-on-conflict). Not exposed.
   */
  @Property({ type: "string", length: 64, nullable: true, unique: true })
  customerNoticeId: string | null = null;
}
