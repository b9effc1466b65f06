import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
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

/** A message to one user, within one organization. */
@Directive('@key(fields: "id")')
@ObjectType("Notification", { description: "A message to one user, within one organization." })
@Entity({ tableName: "notifications" })
@Index({ properties: ["userId", "createdAt"] })
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
}
