import { LockdownSwitch, RampartError, validLockdownReason } from "@rampart/kit";
import type { SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, Field, Mutation, ObjectType, Query, Resolver } from "type-graphql";

/** The emergency lockdown as admins see it. */
@Directive('@tag(name: "admin")')
@ObjectType("EmergencyLockdown", { description: "The emergency lockdown switch." })
export class EmergencyLockdown {
  @Field(() => Boolean)
  active!: boolean;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  actorId!: string | null;

  @Field(() => Date, { nullable: true })
  changedAt!: Date | null;
}

async function switchLockdown(
  active: boolean,
  reason: string,
  context: SubgraphContext,
): Promise<EmergencyLockdown> {
  if (!validLockdownReason(reason))
    throw RampartError.badInput("Give a reason of 3 to 500 printable characters.", "reason");
  const { identity, runtime } = context;
  const state = await new LockdownSwitch(runtime.stores).set(active, reason, identity.userId);
  await runtime.securityEvents.record({
    type: active ? "lockdown.activated" : "lockdown.deactivated",
    severity: "critical",
    actorId: identity.userId,
    organizationId: identity.organizationId,
    ip: identity.ip,
    reason,
    requestId: identity.requestId,
  });
  return { ...state, changedAt: state.changedAt ? new Date(state.changedAt) : null };
}

/** Emergency lockdown: superadmins at level 3 (see permissions). */
@Resolver(() => EmergencyLockdown)
export class LockdownResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => EmergencyLockdown, { description: "The emergency lockdown switch. Superadmin." })
  async emergencyLockdown(@Ctx() { runtime }: SubgraphContext): Promise<EmergencyLockdown> {
    const state = await new LockdownSwitch(runtime.stores).read();
    return { ...state, changedAt: state.changedAt ? new Date(state.changedAt) : null };
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => EmergencyLockdown, {
    description: "Turns the emergency lockdown on for every replica. Superadmin, step-up.",
  })
  activateEmergencyLockdown(
    @Arg("reason", () => String) reason: string,
    @Ctx() context: SubgraphContext,
  ): Promise<EmergencyLockdown> {
    return switchLockdown(true, reason, context);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => EmergencyLockdown, {
    description: "Turns the emergency lockdown off for every replica. Superadmin, step-up.",
  })
  deactivateEmergencyLockdown(
    @Arg("reason", () => String) reason: string,
    @Ctx() context: SubgraphContext,
  ): Promise<EmergencyLockdown> {
    return switchLockdown(false, reason, context);
  }
}
