import { buildFederatedSchema, type FederatedSchema } from "@rampart/kit";
import { OrderResolver, orderReference } from "./modules/orders/order.resolver";
import {
  OrganizationResolver,
  organizationReference,
} from "./modules/organizations/organization.resolver";
import { ProductResolver, productReference } from "./modules/products/product.resolver";

/** The commerce subgraph's schema. */
export const buildCommerceSchema = (): Promise<FederatedSchema> =>
  buildFederatedSchema(
    { resolvers: [OrganizationResolver, ProductResolver, OrderResolver] },
    { Organization: organizationReference, Product: productReference, Order: orderReference },
  );
