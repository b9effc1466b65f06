import { Directive, Field, ID, ObjectType } from "type-graphql";

/** A shipment owned by fulfillment, extended here with the notifications sent to its customer. */
@Directive('@key(fields: "id")')
@ObjectType("Shipment")
export class ShipmentReference {
  @Field(() => ID)
  id!: string;
}
