import { buildFederatedSchema, type FederatedSchema } from "@rampart/kit";
import {
  OrderShipmentsResolver,
  ShipmentResolver,
  orderReference,
  shipmentReference,
} from "./modules/shipments/shipment.resolver";
import { OrderReference } from "./modules/shipments/order.reference";

/** The fulfillment subgraph's schema. */
export const buildFulfillmentSchema = (): Promise<FederatedSchema> =>
  buildFederatedSchema(
    { resolvers: [ShipmentResolver, OrderShipmentsResolver], orphanedTypes: [OrderReference] },
    { Order: orderReference, Shipment: shipmentReference },
  );
