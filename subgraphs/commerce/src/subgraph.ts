import type { SubgraphDefinition } from "@rampart/kit";
import { migrations } from "./migrations";
import { Order } from "./modules/orders/order.entity";
import { Organization } from "./modules/organizations/organization.entity";
import { Product } from "./modules/products/product.entity";
import { buildCommerceSchema } from "./schema";
import { seedCommerce } from "./seed";

/** The commerce subgraph: tenants, catalogue and orders. */
export const commerceSubgraph: SubgraphDefinition = {
  name: "commerce",
  entities: [Organization, Product, Order],
  migrations,
  buildSchema: buildCommerceSchema,
  seed: seedCommerce,
};
