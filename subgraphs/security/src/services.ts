import { loadOrCreateDevSecret, type SubgraphContext, type SubgraphRuntime } from "@rampart/kit";
import type { EntityManager } from "@mikro-orm/core";
import type { SecurityConfig } from "./config";
import { StoreAttemptGuard } from "./modules/brute-force/attempt-guard";
import { SecretBox } from "./modules/two-factor/secret-box";
import { TwoFactorService } from "./modules/two-factor/two-factor.service";

/** What the security subgraph's resolvers use besides the shared runtime. */
export interface SecurityServices {
  /** A two-factor service working in the request's entity manager. */
  twoFactor(em: EntityManager): TwoFactorService;
}

/** Creates the security subgraph's services from its configuration and runtime. */
export function createSecurityServices(runtime: SubgraphRuntime): SecurityServices {
  const config = runtime.config as SecurityConfig;
  const secretBox = new SecretBox(
    config.TWO_FACTOR_ENCRYPTION_KEY ??
      loadOrCreateDevSecret(config.RAMPART_DATA_DIR, "two-factor-encryption"),
  );
  const guard = new StoreAttemptGuard(runtime.stores, runtime.securityEvents);
  return {
    twoFactor: (em) =>
      new TwoFactorService({ em, secretBox, guard, issuer: config.TWO_FACTOR_ISSUER ?? "Rampart" }),
  };
}

/** The security services of a request. */
export const securityServices = (context: SubgraphContext): SecurityServices =>
  context.services as SecurityServices;
