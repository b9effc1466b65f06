import { Field, ID, Int, ObjectType } from "type-graphql";

/** A platform session as its owner (or a superadmin) sees it. */
@ObjectType("Session", { description: "A platform session: one Clerk sign-in on one device." })
export class SessionView {
  /** Clerk session id. */
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => ID, { nullable: true })
  organizationId!: string | null;

  /** 0 anonymous, 1 signed in, 2 second factor verified, 3 verified within the step-up window. */
  @Field(() => Int)
  securityLevel!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastSeenAt!: Date;

  @Field(() => Date, { nullable: true })
  secondFactorVerifiedAt!: Date | null;

  @Field(() => String)
  ip!: string;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  /** True for the session making this request. */
  @Field(() => Boolean)
  current!: boolean;
}
