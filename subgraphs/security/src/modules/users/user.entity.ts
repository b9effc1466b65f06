import { Entity, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType } from "type-graphql";

/** A person who signs in through Clerk; the id is Clerk's user id. Owned by this subgraph. */
@Directive('@key(fields: "id")')
@ObjectType("User", { description: "A person who signs in through Clerk." })
@Entity({ tableName: "users" })
export class User {
  /** Clerk user id (`user_...`). */
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** Primary email address, once known. */
  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 320, nullable: true })
  email: string | null = null;

  /** Name shown in the admin UI and on orders. */
  @Field(() => String, { nullable: true })
  @Property({ type: "string", length: 200, nullable: true })
  displayName: string | null = null;

  /** When the platform first saw this user. */
  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();
}
