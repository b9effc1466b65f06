import type { StartedWork, SubgraphDefinition } from "@rampart/kit/subgraph";
import type { Router } from "express";
import { parseSecurityConfig, type SecurityConfig } from "./config";
import { migrations } from "./migrations";
import { SecurityAlert } from "./modules/alerts";
import { startSecurityEventPipeline } from "./modules/event-pipeline";
import { IpAllowlistEntry, IpAllowlistService } from "./modules/ip-allowlist";
import { CLERK_WEBHOOK_PATH, clerkWebhook } from "./modules/memberships";
import { SecurityEventCheckpoint, StoredSecurityEvent } from "./modules/security-events";
import { BackupCode, TwoFactorCredential } from "./modules/two-factor/two-factor.entity";
import { User } from "./modules/users/user.entity";
import { buildSecuritySchema } from "./schema";
import { seedSecurity } from "./seed";
import { createSecurityServices, type SecurityServices } from "./services";

/** The security subgraph: users, 2FA, platform sessions (and later allowlists, events). */
export const securitySubgraph: SubgraphDefinition<SecurityConfig, SecurityServices, StartedWork> = {
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
  // With CLERK_WEBHOOK_SECRET, Clerk's webhook ends the sessions of users whose membership ended.
  start: async (runtime, em) => {
    await new IpAllowlistService({ em, stores: runtime.stores, logger: runtime.logger })
      .seedFromBootstrap(runtime.config.ADMIN_IP_ALLOWLIST)
      .then(
        (result) => runtime.logger.info(result, "IP allowlist bootstrapped"),
        (error: unknown) =>
          runtime.logger.error({ err: error }, "could not bootstrap the IP allowlist"),
      );
    const stop = startSecurityEventPipeline(runtime, em);
    const secret = runtime.config.CLERK_WEBHOOK_SECRET;
    const routes: Record<string, Router> = {};
    // Without a secret there is no way to trust a delivery: the route does not exist.
    if (secret) {
      routes[CLERK_WEBHOOK_PATH] = clerkWebhook({
        secret,
        sessions: runtime.sessions,
        securityEvents: runtime.securityEvents,
        kv: runtime.stores.kv,
        refusals: runtime.refusals,
        logger: runtime.logger,
      });
    }
    return { stop, routes };
  },
  seed: seedSecurity,
};
