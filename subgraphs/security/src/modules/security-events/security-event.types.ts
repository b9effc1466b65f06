import { Directive, Field, ID, InputType, ObjectType } from "type-graphql";
import { StoredSecurityEvent } from "./security-event.entity";

/** An organization owned by the commerce subgraph; security only refers to it by id. */
@Directive('@key(fields: "id", resolvable: false)')
@ObjectType("Organization")
export class OrganizationReference {
  @Field(() => ID)
  id!: string;
}

/** Which events `securityEvents` returns; every given criterion must hold. */
@InputType("SecurityEventFilter", {
  description: "Which security events to return; every given criterion must hold.",
})
export class SecurityEventFilter {
  @Field(() => [String], { nullable: true, description: "Any of these types (at most 100)." })
  types?: string[] | null;

  @Field(() => [String], {
    nullable: true,
    description: "Any of these severities: info, low, medium, high, critical.",
  })
  severities?: string[] | null;

  @Field(() => ID, { nullable: true, description: "Concerning this organization." })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true, description: "By this user." })
  actorId?: string | null;

  @Field(() => String, { nullable: true, description: "From this client IP." })
  ip?: string | null;

  @Field(() => Date, { nullable: true, description: "Occurred at or after this time." })
  since?: Date | null;

  @Field(() => Date, { nullable: true, description: "Occurred before this time." })
  until?: Date | null;
}

/** One event of a page, with the cursor that pages after it. */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityEventEdge")
export class SecurityEventEdge {
  @Field(() => String, { description: "Pass as `after` to get the events older than this one." })
  cursor!: string;

  @Field(() => StoredSecurityEvent)
  node!: StoredSecurityEvent;
}

/** Whether more events follow a page. */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityEventPageInfo")
export class SecurityEventPageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "The last edge's cursor; null when empty." })
  endCursor!: string | null;
}

/** A page of security events, newest first. */
@Directive('@tag(name: "admin")')
@ObjectType("SecurityEventConnection", { description: "A page of security events, newest first." })
export class SecurityEventConnection {
  @Field(() => [SecurityEventEdge])
  edges!: SecurityEventEdge[];

  @Field(() => SecurityEventPageInfo)
  pageInfo!: SecurityEventPageInfo;
}
