import {
  CustomerContactError,
  maskCustomerContact,
  parseCustomerContact,
  RampartError,
  type CustomerContact,
} from "@rampart/kit";
import { requireTenant, type SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { FulfillmentConfig } from "../../config";
import type { FulfillmentServices } from "../tasks/shipment-tasks";
import { CustomerContactInput, MaskedCustomerContact } from "./customer-contact";
import { FulfillmentProviderKind } from "./shipment-status";
import { OrderReference } from "./order.reference";
import { ShipmentEvent } from "./shipment-event.entity";
import { Shipment } from "./shipment.entity";

/** What an order id looks like (commerce's ids). */
const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/;

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

  /**
   * Asks for a shipment of an order; its task (create at the provider, notify the customer at
   * `customerContact`) runs as jobs.
   */
  @Mutation(() => Shipment, {
    description:
      "Asks for a shipment of an order of the active organization, fulfilled by `provider`; it starts PENDING and its task runs as durable jobs. With `customerContact`, the customer is told by email and/or SMS when the shipment's label is created, it is out for delivery, delivered or ready for pickup.",
  })
  requestShipment(
    @Arg("orderId", () => ID) orderId: string,
    @Arg("provider", () => FulfillmentProviderKind) provider: FulfillmentProviderKind,
    @Arg("customerContact", () => CustomerContactInput, { nullable: true })
    customerContact: CustomerContactInput | null | undefined,
    @Ctx() context: SubgraphContext<FulfillmentConfig, FulfillmentServices>,
  ): Promise<Shipment> {
    if (!ORDER_ID.test(orderId)) {
      throw RampartError.badInput("orderId must be 1 to 64 letters, digits, _ or -.", "orderId");
    }
    return context.services.shipmentTasks.request(context.em, {
      orderId,
      organizationId: requireTenant(context.identity),
      provider,
      contact: checkContact(customerContact),
    });
  }

  /** How the customer is reached, masked; both fields null when nobody is told. */
  @FieldResolver(() => MaskedCustomerContact, {
    description:
      "How the shipment's customer is told about its status, masked (a***@example.com, ***4567); both null when nobody is.",
  })
  customerContact(@Root() shipment: Shipment): MaskedCustomerContact {
    return {
      organizationId: shipment.organizationId,
      ...maskCustomerContact({ email: shipment.customerEmail, phone: shipment.customerPhone }),
    };
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

/** A `customerContact` argument checked: BAD_USER_INPUT naming the field (never its value). */
function checkContact(input: CustomerContactInput | null | undefined): CustomerContact {
  try {
    return parseCustomerContact({ email: input?.email, phone: input?.phone });
  } catch (error) {
    if (error instanceof CustomerContactError) {
      throw RampartError.badInput(error.message, `customerContact.${error.field}`);
    }
    throw error;
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
