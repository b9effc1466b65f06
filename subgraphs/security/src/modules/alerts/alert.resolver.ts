import type { SubgraphContext } from "@rampart/kit/subgraph";
import {
  Arg,
  Ctx,
  Directive,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { AlertStatus, SecurityAlert } from "./alert.entity";
import { AlertNotifier, subscribeToAlerts } from "./alert.feed";
import { AlertService } from "./alert.service";

const alertService = ({ em, runtime, log }: SubgraphContext) =>
  new AlertService(em, new AlertNotifier(runtime.securityEvents, runtime.stores.pubsub, log));

/** Listens for alert changes; kit checks the rule first. */
async function subscribeToAlertChanges(
  data: SubscribeResolverData<unknown, Record<string, unknown>, SubgraphContext>,
): Promise<AsyncIterable<SecurityAlert>> {
  const status = (data.args.status as AlertStatus[] | null | undefined) ?? null;
  return subscribeToAlerts(data.context.runtime.stores.pubsub, status, data.context.log);
}

/** Security alerts: superadmins (see permissions.ts). */
@Resolver(() => SecurityAlert)
export class AlertResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => [SecurityAlert], {
    description:
      "Security alerts with one of these statuses (all when omitted), newest first, at most 200. Superadmin.",
  })
  securityAlerts(
    @Arg("status", () => [AlertStatus], { nullable: true })
    status: AlertStatus[] | null | undefined,
    @Ctx() context: SubgraphContext,
  ): Promise<SecurityAlert[]> {
    return alertService(context).list(status);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => SecurityAlert, {
    description: "Marks an open alert as seen and being handled. Superadmin.",
  })
  acknowledgeAlert(
    @Arg("id", () => ID) id: string,
    @Arg("note", () => String, { nullable: true, description: "At most 1000 characters." })
    note: string | null | undefined,
    @Ctx() context: SubgraphContext,
  ): Promise<SecurityAlert> {
    return alertService(context).acknowledge(id, note, context.identity);
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => SecurityAlert, {
    description:
      "Closes an open or acknowledged alert; the rule's next trigger raises a new one. Superadmin.",
  })
  resolveAlert(
    @Arg("id", () => ID) id: string,
    @Arg("note", () => String, { nullable: true, description: "At most 1000 characters." })
    note: string | null | undefined,
    @Ctx() context: SubgraphContext,
  ): Promise<SecurityAlert> {
    return alertService(context).resolve(id, note, context.identity);
  }

  @Directive('@tag(name: "admin")')
  @Subscription(() => SecurityAlert, {
    name: "securityAlerts",
    description:
      "Each alert when it is raised or changes status, if its (new) status is one of these (all when omitted). Superadmin.",
    subscribe: subscribeToAlertChanges,
  })
  securityAlertChanges(
    @Root() alert: SecurityAlert,
    @Arg("status", () => [AlertStatus], { nullable: true })
    _status: AlertStatus[] | null | undefined,
  ): SecurityAlert {
    return alert;
  }
}
