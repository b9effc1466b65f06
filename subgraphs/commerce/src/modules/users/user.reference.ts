import { Directive, Field, ID, ObjectType } from "type-graphql";

/** A user owned by the security subgraph; commerce only refers to it by id. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("User")
export class UserReference {
  @Field(() => ID)
  id!: string;
}
