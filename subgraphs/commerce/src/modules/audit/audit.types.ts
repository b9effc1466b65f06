import { Field, ObjectType } from "type-graphql";

/** One changed field of an audit entry. */
@ObjectType("AuditChange", {
  description:
    'One changed field. before and after are JSON; a secret or personal value reads "[redacted]", text over 200 characters is shown as its length and digest.',
})
export class AuditChange {
  @Field(() => String)
  field!: string;

  @Field(() => String, { nullable: true, description: "The value before, as JSON; null: none." })
  before!: string | null;

  @Field(() => String, { nullable: true, description: "The value after, as JSON; null: none." })
  after!: string | null;
}
