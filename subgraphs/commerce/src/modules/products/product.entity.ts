import { Entity, Index, PrimaryKey, Property } from "@mikro-orm/core";
import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

/** Something an organization sells. */
@Directive('@key(fields: "id")')
@ObjectType("Product", { description: "Something an organization sells." })
@Entity({ tableName: "products" })
@Index({ properties: ["organizationId"] })
export class Product {
  @Field(() => ID)
  @PrimaryKey({ type: "string", length: 64 })
  id!: string;

  /** Owning tenant. */
  @Field(() => ID)
  @Property({ type: "string", length: 64 })
  organizationId!: string;

  /** Stock-keeping unit, unique within the organization. */
  @Field(() => String)
  @Property({ type: "string", length: 64 })
  sku!: string;

  @Field(() => String)
  @Property({ type: "string", length: 200 })
  name!: string;

  /** Price in the currency's minor unit (cents). */
  @Field(() => Int)
  @Property({ type: "integer" })
  priceCents!: number;

  /** ISO 4217 code. */
  @Field(() => String)
  @Property({ type: "string", length: 3 })
  currency!: string;
}
