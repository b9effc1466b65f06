import { Entity, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, ObjectType } from "type-graphql";

/** A tenant: one merchant business, mirrored from a Clerk organization. */
@Directive('@key(fields: "id")')
@ObjectType("Organization", { description: "A tenant: one merchant business." })
@Entity({ tableName: "organizations" })
export class Organization {
  /** Clerk organization id (`org_...`). */
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** URL-safe name, unique. */
  @Field(() => String)
  @Property({ type: "string", length: 100, unique: true })
  slug!: string;

  /** Display name. */
  @Field(() => String)
  @Property({ type: "string", length: 200 })
  name!: string;

  /** When the tenant was created. */
  @Field(() => Date)
  @Property({ type: "datetime" })
  createdAt: Date = new Date();
}
