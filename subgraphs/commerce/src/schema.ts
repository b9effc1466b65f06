import { buildFederatedSchema, ruleOptionsFrom, type FederatedSchema } from "@rampart/kit/subgraph";
import type { CommerceConfig } from "./config";
import { AiAssistantResolver } from "./modules/ai-assistant/ai-assistant.resolver";
import { AuditResolver } from "./modules/audit/audit.resolver";
import { KycResolver } from "./modules/kyc/kyc.resolver";
import { StorefrontResolver } from "./modules/storefront/storefront.resolver";
import { OrderResolver, orderReference } from "./modules/orders/order.resolver";
import {
  OrganizationResolver,
  organizationReference,
} from "./modules/organizations/organization.resolver";
import { PaymentSettingsResolver } from "./modules/payment-settings/payment-settings.resolver";
import { ProductResolver, productReference } from "./modules/products/product.resolver";
import { commercePermissions } from "./permissions";

/**
 * The commerce subgraph's schema, guarded by its permissions. Without `config` (the SDL drift
 * check) the rules take their fail-closed defaults.
 */
export const buildCommerceSchema = (config?: CommerceConfig): Promise<FederatedSchema> =>
  buildFederatedSchema(
    {
      resolvers: [
        OrganizationResolver,
        ProductResolver,
        OrderResolver,
        AiAssistantResolver,
        PaymentSettingsResolver,
        AuditResolver,
        KycResolver,
        StorefrontResolver,
      ],
    },
    {
      Organization: organizationReference(config?.CLERK_SUPERADMIN_ORG_ID ?? null),
      Product: productReference,
      Order: orderReference,
    },
    commercePermissions(config ? ruleOptionsFrom(config) : {}),
  );
