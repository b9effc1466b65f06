import type { SubgraphConfig, SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseCommerceConfig } from "./config";
import { migrations } from "./migrations";
import { Order } from "./modules/orders/order.entity";
import { Organization } from "./modules/organizations/organization.entity";
import { Product } from "./modules/products/product.entity";
import { buildCommerceSchema } from "./schema";
import { seedCommerce } from "./seed";

/** The commerce subgraph: tenants, catalogue and orders. */
export const commerceSubgraph: SubgraphDefinition<SubgraphConfig, undefined> = {
  name: "commerce",
  parseConfig: parseCommerceConfig,
  entities: [Organization, Product, Order],
  migrations,
  buildSchema: buildCommerceSchema,
  // Resolvers use the runtime and the entity manager only.
  services: () => undefined,
  seed: seedCommerce,
};
