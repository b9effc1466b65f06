import {
  buildFederatedSchema,
  ruleOptionsFrom,
  type FederatedSchema,
  type SubgraphConfig,
} from "@rampart/kit/subgraph";
import { OrderResolver, orderReference } from "./modules/orders/order.resolver";
import {
  OrganizationResolver,
  organizationReference,
} from "./modules/organizations/organization.resolver";
import { ProductResolver, productReference } from "./modules/products/product.resolver";
import { commercePermissions } from "./permissions";

/**
 * The commerce subgraph's schema, guarded by its permissions. Without `config` (the SDL drift
 * check) the rules take their fail-closed defaults.
 */
export const buildCommerceSchema = (config?: SubgraphConfig): Promise<FederatedSchema> =>
  buildFederatedSchema(
    { resolvers: [OrganizationResolver, ProductResolver, OrderResolver] },
    {
      Organization: organizationReference(config?.CLERK_SUPERADMIN_ORG_ID ?? null),
      Product: productReference,
      Order: orderReference,
    },
    commercePermissions(config ? ruleOptionsFrom(config) : {}),
  );
