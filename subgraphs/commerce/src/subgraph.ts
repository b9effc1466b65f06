import type { SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseCommerceConfig, type CommerceConfig } from "./config";
import { migrations } from "./migrations";
import { AiAssistantSettings } from "./modules/ai-assistant/ai-assistant.entity";
import { AuditEntry } from "./modules/audit/audit-entry.entity";
import { KycVerificationRecord } from "./modules/kyc/kyc.entity";
import { StorefrontPage, StorefrontPageVersion } from "./modules/storefront/storefront-page.entity";
import { Order } from "./modules/orders/order.entity";
import { Organization } from "./modules/organizations/organization.entity";
import { PaymentSettingsRecord } from "./modules/payment-settings/payment-settings.entity";
import { Product } from "./modules/products/product.entity";
import { buildCommerceSchema } from "./schema";
import { seedCommerce, seedSealedDemoData } from "./seed";
import { createCommerceServices, type CommerceServices } from "./services";

/** The commerce subgraph: tenants, catalogue, orders and their administration. */
export const commerceSubgraph: SubgraphDefinition<CommerceConfig, CommerceServices> = {
  name: "commerce",
  parseConfig: parseCommerceConfig,
  entities: [
    Organization,
    Product,
    Order,
    AiAssistantSettings,
    PaymentSettingsRecord,
    KycVerificationRecord,
    StorefrontPage,
    StorefrontPageVersion,
    AuditEntry,
  ],
  migrations,
  buildSchema: buildCommerceSchema,
  services: createCommerceServices,
  seed: seedCommerce,
  async start(runtime, em) {
    // `start` is not handed the services the runtime made: the same key makes the same box.
    const services = createCommerceServices(runtime);
    // Demo payment settings and KYC details need the sealing key, which `seed` does not get.
    if (runtime.config.SEED_DEMO_DATA) await seedSealedDemoData(em, services.secretBox);
    // The outbox: audit entries committed by a process that stopped before announcing them.
    const published = await services.audit.publishPending(em);
    if (published > 0) runtime.logger.info({ published }, "published pending audit entries");
  },
};
