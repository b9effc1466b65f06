import { Directive, Field, ID, ObjectType } from "type-graphql";

/** A user owned by security, extended here with their notifications. */
@Directive('@key(fields: "id")')
@ObjectType("User")
export class UserReference {
  @Field(() => ID)
  id!: string;
}
