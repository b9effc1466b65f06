import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { FulfillmentProviderKind, ShipmentStatus } from "./shipment-status";

/** A parcel carrying (part of) one order, and the task that fulfils it. */
@Directive('@key(fields: "id")')
@ObjectType("Shipment", { description: "A parcel carrying (part of) one order." })
@Entity({ tableName: "shipments" })
@Index({ properties: ["organizationId", "orderId"] })
@Index({ properties: ["organizationId", "createdAt"] })
@Index({ properties: ["provider", "providerShipmentId"] })
export class Shipment {
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** The order it fulfils (owned by commerce). */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  orderId!: string;

  /** Tenant that ships it. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** Who fulfils it. */
  @Field(() => FulfillmentProviderKind)
  @Enum({ items: () => FulfillmentProviderKind, default: FulfillmentProviderKind.CARRIER })
  provider: FulfillmentProviderKind = FulfillmentProviderKind.CARRIER;

  /** Shipping provider's display name. */
  @Field(() => String)
  @Property({ type: "string", length: 64 })
  carrier!: string;

  /** The provider's id of the shipment, once created there (carrier webhooks name it). */
  @Property({ type: "string", length: 128, nullable: true })
  providerShipmentId: string | null = null;

  /**
   * The customer's email address, told about the shipment's status (personal data: never
   * logged, read only masked through `customerContact`).
   */
  @Property({ type: "string", length: 254, nullable: true })
  customerEmail: string | null = null;

  /** The customer's phone number, E.164 (personal data, as `customerEmail`). */
  @Property({ type: "string", length: 16, nullable: true })
  customerPhone: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 64, nullable: true })
  trackingNumber: string | null = null;

  @Field(() => ShipmentStatus)
  @Enum({ items: () => ShipmentStatus })
  status!: ShipmentStatus;

  /** Attempts to create it at the provider. */
  @Field(() => Int)
  @Property({ type: "integer", default: 0 })
  attempts: number = 0;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  shippedAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  deliveredAt: Date | null = null;

  @Field(() => Date)
  @Property({ type: "datetime", defaultRaw: "now()" })
  createdAt: Date = new Date();

  @Field(() => Date)
  @Property({ type: "datetime", defaultRaw: "now()" })
  updatedAt: Date = new Date();
}
