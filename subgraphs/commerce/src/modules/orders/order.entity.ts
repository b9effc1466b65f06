import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";

/** Where an order is in its life. */
export enum OrderStatus {
  PENDING = "PENDING",
  PAID = "PAID",
  FULFILLED = "FULFILLED",
  CANCELLED = "CANCELLED",
}
registerEnumType(OrderStatus, {
  name: "OrderStatus",
  description: "Where an order is in its life.",
});

/** A customer's purchase from one organization. */
@Directive('@key(fields: "id")')
@ObjectType("Order", { description: "A customer's purchase from one organization." })
@Entity({ tableName: "orders" })
@Index({ properties: ["organizationId", "createdAt"] })
export class Order {
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** Selling tenant. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** Buyer's user id (resolved to a `User` by the security subgraph). */
  @Property({ type: "string", length: 64 })
  customerId!: string;

  @Field(() => OrderStatus)
  @Enum({ items: () => OrderStatus, nativeEnumName: undefined })
  status!: OrderStatus;

  /** Total in the currency's minor unit (cents). */
  @Field(() => Int)
  @Property({ type: "integer" })
  totalCents!: number;

  /** ISO 4217 code. */
  @Field(() => String)
  @Property({ type: "string", length: 3 })
  currency!: string;

  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();
}
