import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType, registerEnumType } from "type-graphql";

/** Where a shipment is. */
export enum ShipmentStatus {
  LABEL_CREATED = "LABEL_CREATED",
  IN_TRANSIT = "IN_TRANSIT",
  DELIVERED = "DELIVERED",
  RETURNED = "RETURNED",
}
registerEnumType(ShipmentStatus, { name: "ShipmentStatus", description: "Where a shipment is." });

/** A parcel carrying (part of) one order. */
@Directive('@key(fields: "id")')
@ObjectType("Shipment", { description: "A parcel carrying (part of) one order." })
@Entity({ tableName: "shipments" })
@Index({ properties: ["organizationId", "orderId"] })
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

  /** Shipping provider. */
  @Field(() => String)
  @Property({ type: "string", length: 64 })
  carrier!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 64, nullable: true })
  trackingNumber: string | null = null;

  @Field(() => ShipmentStatus)
  @Enum({ items: () => ShipmentStatus })
  status!: ShipmentStatus;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  shippedAt: Date | null = null;

  @Field(() => Date, { nullable: true })
  @Property({ type: "datetime", nullable: true })
  deliveredAt: Date | null = null;
}
