import { Directive, Field, ID, ObjectType } from "type-graphql";

/** An order owned by commerce, extended here with its shipments. */
@Directive('@key(fields: "id")')
@ObjectType("Order")
export class OrderReference {
  @Field(() => ID)
  id!: string;
}
