import type { SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseSecurityConfig, type SecurityConfig } from "./config";
import { migrations } from "./migrations";
import { SecurityAlert } from "./modules/alerts";
import { startSecurityEventPipeline } from "./modules/event-pipeline";
import { IpAllowlistEntry, IpAllowlistService } from "./modules/ip-allowlist";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "./modules/security-events";
import { BackupCode, TwoFactorCredential } from "./modules/two-factor/two-factor.entity";
import { User } from "./modules/users/user.entity";
import { buildSecuritySchema } from "./schema";
import { seedSecurity } from "./seed";
import { createSecurityServices, type SecurityServices } from "./services";

/** The security subgraph: users, 2FA, platform sessions (and later allowlists, events). */
export const securitySubgraph: SubgraphDefinition<SecurityConfig, SecurityServices> = {
  name: "security",
  parseConfig: parseSecurityConfig,
  entities: [
    User,
    TwoFactorCredential,
    BackupCode,
    IpAllowlistEntry,
    StoredSecurityEvent,
    SecurityEventCheckpoint,
    SecurityAlert,
  ],
  migrations,
  buildSchema: buildSecuritySchema,
  services: createSecurityServices,
  // ADMIN_IP_ALLOWLIST entries exist in the database and in the gateways' snapshot (logged, not
  // fatal: gateways always allow their own bootstrap ranges); then security events are stored,
  // announced to live feeds and run through the alert rules, and the audit chain is checked.
  start: async (runtime, em) => {
    await new IpAllowlistService({ em, stores: runtime.stores, logger: runtime.logger })
      .seedFromBootstrap(runtime.config.ADMIN_IP_ALLOWLIST)
      .then(
        (result) => runtime.logger.info(result, "IP allowlist bootstrapped"),
        (error: unknown) =>
          runtime.logger.error({ err: error }, "could not bootstrap the IP allowlist"),
      );
    return startSecurityEventPipeline(runtime, em);
  },
  seed: seedSecurity,
};
