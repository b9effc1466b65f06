import { RampartError } from "@rampart/kit";
import { clampPage, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, Int, Query, Resolver } from "type-graphql";
import { Notification, NotificationAudience } from "./notification.entity";

/** Notifications addressed to an organization's admins as a whole (security alerts). */
@Resolver(() => Notification)
export class OrganizationNotificationResolver {
  /** Your active organization's admin notifications (security alerts, lockdowns), newest first. */
  @Directive('@tag(name: "admin")')
  @Query(() => [Notification], {
    description:
      "Notifications addressed to your active organization's admins as a whole (security alerts, lockdown switches), newest first.",
  })
  organizationNotifications(
    @Arg("first", () => Int, { defaultValue: 20 }) first: number,
    @Ctx() { em, identity }: SubgraphContext,
  ): Promise<Notification[]> {
    if (!identity.organizationId) throw RampartError.forbidden("Select an organization first.");
    return em.find(
      Notification,
      // Customer notifications (also addressed to no user) are read through their shipment.
      {
        organizationId: identity.organizationId,
        userId: null,
        audience: NotificationAudience.STAFF,
      },
      { orderBy: { createdAt: "desc", id: "asc" }, limit: clampPage(first) },
    );
  }
}
