import { Entity, Enum, Index, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { Field, ID, ObjectType } from "type-graphql";
import { NotificationChannel } from "../notifications/notification.entity";

/** `recipientId` of a preference that belongs to the organization as a whole. */
export const ORGANIZATION_RECIPIENT = "*";

/** Alert severities, lowest first. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
/** An alert severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Where one admin (or the organization as a whole) wants alerts of a severity and above sent. */
@ObjectType("ChannelPreference", {
  description:
    "Where alerts of at least `minSeverity` are sent for you, or for your organization as a whole.",
})
@Entity({ tableName: "channel_preferences" })
@Unique({ properties: ["organizationId", "recipientId", "channel", "destination"] })
@Index({ properties: ["organizationId", "enabled"] })
export class ChannelPreference {
  @Field(() => ID)
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** A user id, or {@link ORGANIZATION_RECIPIENT} for the organization as a whole. */
  @Property({ type: "string", length: 64 })
  recipientId!: string;

  @Field(() => NotificationChannel)
  @Enum({ items: () => NotificationChannel })
  channel!: NotificationChannel;

  /** Email address, E.164 number or URL; read masked only. */
  @Property({ type: "text" })
  destination!: string;

  /** Lowest severity sent there. */
  @Field(() => String, {
    description: "Lowest severity sent: info, low, medium, high or critical.",
  })
  @Property({ type: "string", length: 16 })
  minSeverity!: Severity;

  @Field(() => Boolean)
  @Property({ type: "boolean" })
  enabled: boolean = true;

  /**
   * A webhook's own Standard Webhooks signing secret, sealed with `NOTIFICATIONS_ENCRYPTION_KEY`
   * and bound to this id; null for the other channels (and for a webhook saved before secrets
   * were per destination, until it is rotated). Never read back through the API.
   */
  @Property({ type: "text", nullable: true })
  signingSecretSealed: string | null = null;

  /** Bumped by every rotation of the signing secret: the rotation's compare-and-set guard. */
  @Property({ type: "integer", default: 0 })
  signingSecretVersion: number = 0;

  @Field(() => Date)
  @Property({ type: "datetime" })
  updatedAt: Date = new Date();
}
