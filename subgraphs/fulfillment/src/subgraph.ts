import type { SubgraphConfig, SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseFulfillmentConfig } from "./config";
import { migrations } from "./migrations";
import { Shipment } from "./modules/shipments/shipment.entity";
import { buildFulfillmentSchema } from "./schema";
import { seedFulfillment } from "./seed";

/** The fulfillment subgraph: shipments of orders. */
export const fulfillmentSubgraph: SubgraphDefinition<SubgraphConfig, undefined> = {
  name: "fulfillment",
  parseConfig: parseFulfillmentConfig,
  entities: [Shipment],
  migrations,
  buildSchema: buildFulfillmentSchema,
  // Resolvers use the runtime and the entity manager only.
  services: () => undefined,
  seed: seedFulfillment,
};
