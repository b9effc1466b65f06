import { loadOrCreateDevSecret, SecretBox } from "@rampart/kit";
import type { SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import { COMMERCE_DEV_SECRET, type CommerceConfig } from "./config";
import { AuditLog } from "./modules/audit/audit.service";

/** What commerce's resolvers use besides the shared runtime: one of each per process. */
export interface CommerceServices {
  /** The audit trail of administered records. */
  readonly audit: AuditLog;
  /** Seals payment secrets at rest (`COMMERCE_ENCRYPTION_KEY`). */
  readonly secretBox: SecretBox;
}

/** What commerce's resolvers receive. */
export type CommerceContext = SubgraphContext<CommerceConfig, CommerceServices>;

/** Creates commerce's services from its runtime. */
export function createCommerceServices(runtime: SubgraphRuntime<CommerceConfig>): CommerceServices {
  const { config } = runtime;
  return {
    audit: new AuditLog(runtime.securityEvents, runtime.logger),
    secretBox: new SecretBox(
      config.COMMERCE_ENCRYPTION_KEY ??
        loadOrCreateDevSecret(config.RAMPART_DATA_DIR, COMMERCE_DEV_SECRET),
    ),
  };
}
