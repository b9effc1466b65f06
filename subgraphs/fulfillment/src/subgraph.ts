import type { SubgraphDefinition } from "@rampart/kit";
import { migrations } from "./migrations";
import { Shipment } from "./modules/shipments/shipment.entity";
import { buildFulfillmentSchema } from "./schema";
import { seedFulfillment } from "./seed";

/** The fulfillment subgraph: shipments of orders. */
export const fulfillmentSubgraph: SubgraphDefinition = {
  name: "fulfillment",
  entities: [Shipment],
  migrations,
  buildSchema: buildFulfillmentSchema,
  seed: seedFulfillment,
};
