import { requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { OrderReference } from "./order.reference";
import { ShipmentEvent } from "./shipment-event.entity";
import { Shipment } from "./shipment.entity";

/** Most shipments `shipments` lists. */
const SHIPMENTS_LIMIT = 100;

/** Root fields of shipments, and each shipment's task history. */
@Resolver(() => Shipment)
export class ShipmentResolver {
  /** One shipment of the active organization. */
  @Query(() => Shipment, {
    nullable: true,
    description: "One shipment of the active organization.",
  })
  shipment(
    @Arg("id", () => ID) id: string,
    @Ctx() context: SubgraphContext,
  ): Promise<Shipment | null> {
    return context.em.findOne(Shipment, { id, organizationId: requireTenant(context.identity) });
  }

  /** The active organization's latest shipments, newest first. */
  @Query(() => [Shipment], {
    description: "The active organization's latest 100 shipments, newest first.",
  })
  shipments(@Ctx() context: SubgraphContext): Promise<Shipment[]> {
    return context.em.find(
      Shipment,
      { organizationId: requireTenant(context.identity) },
      { orderBy: { createdAt: "desc", id: "desc" }, limit: SHIPMENTS_LIMIT },
    );
  }

  /** The shipment's task history, oldest first. */
  @FieldResolver(() => [ShipmentEvent], {
    description: "The shipment's task history, oldest first.",
  })
  history(@Root() shipment: Shipment, @Ctx() context: SubgraphContext): Promise<ShipmentEvent[]> {
    return context.em.find(
      ShipmentEvent,
      { shipmentId: shipment.id, organizationId: requireTenant(context.identity) },
      { orderBy: { occurredAt: "asc", id: "asc" } },
    );
  }
}

/** Adds `Order.shipments`. */
@Resolver(() => OrderReference)
export class OrderShipmentsResolver {
  /** Shipments of the order, oldest first; only the caller's tenant's. */
  @FieldResolver(() => [Shipment])
  shipments(@Root() order: OrderReference, @Ctx() context: SubgraphContext): Promise<Shipment[]> {
    return context.em.find(
      Shipment,
      { orderId: order.id, organizationId: requireTenant(context.identity) },
      { orderBy: { createdAt: "asc", id: "asc" } },
    );
  }
}

/** `Order` references need nothing but the id to resolve their shipments. */
export const orderReference = {
  __resolveReference: (reference: { id: string }): OrderReference => ({ id: reference.id }),
};

/** Resolves `Shipment` references within the caller's tenant. */
export const shipmentReference = {
  __resolveReference: (
    reference: { id: string },
    context: SubgraphContext,
  ): Promise<Shipment | null> =>
    context.em.findOne(Shipment, {
      id: reference.id,
      organizationId: requireTenant(context.identity),
    }),
};
