import { Entity, Enum, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { ShipmentStatus } from "./shipment-status";

/** A step of a shipment's task. */
export enum ShipmentStep {
  /** The shipment was asked for; its task queued. */
  REQUESTED = "REQUESTED",
  /** Creating it at the provider (one entry per attempt that failed, one when it succeeded). */
  CREATE_AT_PROVIDER = "CREATE_AT_PROVIDER",
  /** A status update, from the carrier's webhook or a provider. */
  STATUS_UPDATE = "STATUS_UPDATE",
  /** Telling the customer about a status: a notice handed to the notifications subgraph. */
  NOTIFY_CUSTOMER = "NOTIFY_CUSTOMER",
}
registerEnumType(ShipmentStep, {
  name: "ShipmentStep",
  description: "A step of a shipment's task.",
});

/** What came of a step. */
export enum ShipmentStepOutcome {
  /** Done: the status moved, the provider accepted. */
  APPLIED = "APPLIED",
  /** Recorded and ignored: a status update out of order. */
  IGNORED = "IGNORED",
  /** The attempt failed; `detail` says why (retried unless the shipment is `FAILED`). */
  FAILED = "FAILED",
  /** Handed over: the customer notice is queued for the notifications subgraph (`detail` names it). */
  QUEUED = "QUEUED",
  /** Not done, on purpose: `detail` says why (no customer contact to notify). */
  SKIPPED = "SKIPPED",
}
registerEnumType(ShipmentStepOutcome, {
  name: "ShipmentStepOutcome",
  description: "What came of a step of a shipment's task.",
});

/** Who took a step. */
export enum ShipmentStepSource {
  /** The fulfillment subgraph's task worker. */
  TASK = "TASK",
  /** The carrier, through its signed webhook. */
  CARRIER_WEBHOOK = "CARRIER_WEBHOOK",
}
registerEnumType(ShipmentStepSource, {
  name: "ShipmentStepSource",
  description: "Who took a step of a shipment's task.",
});

/** One entry of a shipment's task history; append only. */
@ObjectType("ShipmentEvent", { description: "One entry of a shipment's task history." })
@Entity({ tableName: "shipment_events" })
@Index({ properties: ["shipmentId", "occurredAt"] })
export class ShipmentEvent {
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** The shipment it belongs to. */
  @Property({ type: "string", length: 64 })
  shipmentId!: string;

  /** Tenant of the shipment (what the shield rules compare). */
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  @Field(() => ShipmentStep)
  @Enum({ items: () => ShipmentStep })
  step!: ShipmentStep;

  /** The status the step reported or applied, when it concerns one. */
  @Field(() => ShipmentStatus, { nullable: true })
  @Enum({ items: () => ShipmentStatus, nullable: true })
  status: ShipmentStatus | null = null;

  @Field(() => ShipmentStepOutcome)
  @Enum({ items: () => ShipmentStepOutcome })
  outcome!: ShipmentStepOutcome;

  @Field(() => ShipmentStepSource)
  @Enum({ items: () => ShipmentStepSource })
  source!: ShipmentStepSource;

  /** Why (a failure's reason, an ignored update's current status); never a credential. */
  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 500, nullable: true })
  detail: string | null = null;

  @Field(() => Date)
  @Property({ type: "datetime" })
  occurredAt!: Date;
}
