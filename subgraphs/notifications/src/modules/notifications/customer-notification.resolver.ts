import { requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Ctx, Directive, FieldResolver, Resolver, Root } from "type-graphql";
import { Notification, NotificationAudience } from "./notification.entity";
import { ShipmentReference } from "./shipment.reference";

/** Most customer notifications one shipment lists (one per status it told the customer about). */
const CUSTOMER_NOTIFICATIONS_LIMIT = 50;

/** Adds `Shipment.customerNotifications`. */
@Resolver(() => ShipmentReference)
export class ShipmentCustomerNotificationsResolver {
  /** What the shipment's customer was sent, oldest first; only the caller's tenant's. */
  @Directive('@tag(name: "admin")')
  @FieldResolver(() => [Notification], {
    description:
      "The messages sent to the shipment's customer about its status (email, SMS), oldest first; each one's deliveries show where it stands.",
  })
  customerNotifications(
    @Root() shipment: ShipmentReference,
    @Ctx() { em, identity }: SubgraphContext,
  ): Promise<Notification[]> {
    return em.find(
      Notification,
      {
        organizationId: requireTenant(identity),
        shipmentId: shipment.id,
        audience: NotificationAudience.CUSTOMER,
      },
      { orderBy: { createdAt: "asc", id: "asc" }, limit: CUSTOMER_NOTIFICATIONS_LIMIT },
    );
  }
}

/** `Shipment` references need nothing but the id to resolve their customer notifications. */
export const shipmentReference = {
  __resolveReference: (reference: { id: string }): ShipmentReference => ({ id: reference.id }),
};
