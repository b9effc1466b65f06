import {
  buildFederatedSchema,
  ruleOptionsFrom,
  type FederatedSchema,
  type SubgraphConfig,
} from "@rampart/kit/subgraph";
import {
  OrderShipmentsResolver,
  ShipmentResolver,
  orderReference,
  shipmentReference,
} from "./modules/shipments/shipment.resolver";
import { OrderReference } from "./modules/shipments/order.reference";
import { fulfillmentPermissions } from "./permissions";

/**
 * The fulfillment subgraph's schema, guarded by its permissions. Without `config` (the SDL drift
 * check) the rules take their fail-closed defaults.
 */
export const buildFulfillmentSchema = (config?: SubgraphConfig): Promise<FederatedSchema> =>
  buildFederatedSchema(
    { resolvers: [ShipmentResolver, OrderShipmentsResolver], orphanedTypes: [OrderReference] },
    { Order: orderReference, Shipment: shipmentReference },
    fulfillmentPermissions(config ? ruleOptionsFrom(config) : {}),
  );
