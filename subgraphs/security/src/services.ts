import { loadOrCreateDevSecret, type SubgraphContext, type SubgraphRuntime } from "@rampart/kit";
import type { EntityManager } from "@mikro-orm/core";
import { TWO_FACTOR_DEV_SECRET, type SecurityConfig } from "./config";
import { StoreAttemptGuard } from "./modules/brute-force/attempt-guard";
import { createMonitoring, type Monitoring } from "./modules/monitoring/monitoring.service";
import { SecurityEventFeed } from "./modules/security-events/security-event.feed";
import { SecretBox } from "./modules/two-factor/secret-box";
import { TwoFactorService } from "./modules/two-factor/two-factor.service";

/** What the security subgraph's resolvers use besides the shared runtime. */
export interface SecurityServices {
  /** A two-factor service working in the request's entity manager. */
  twoFactor(em: EntityManager): TwoFactorService;
  /** How old a first-factor sign-in may be to start a 2FA enrollment, in minutes. */
  readonly recentSignInMinutes: number;
  /** System health and metrics, and the security-metrics push interval. */
  readonly monitoring: Monitoring;
  /** Live streams of stored security events (one pubsub subscription for the process). */
  readonly securityEventFeed: SecurityEventFeed;
}

/** Creates the security subgraph's services from its configuration and runtime. */
export function createSecurityServices(runtime: SubgraphRuntime<SecurityConfig>): SecurityServices {
  const { config } = runtime;
  const secretBox = new SecretBox(
    config.TWO_FACTOR_ENCRYPTION_KEY ??
      loadOrCreateDevSecret(config.RAMPART_DATA_DIR, TWO_FACTOR_DEV_SECRET),
  );
  const guard = new StoreAttemptGuard(runtime.stores, runtime.securityEvents);
  return {
    twoFactor: (em) =>
      new TwoFactorService({ em, secretBox, guard, issuer: config.TWO_FACTOR_ISSUER }),
    recentSignInMinutes: config.TWO_FACTOR_RECENT_SIGN_IN_MINUTES,
    monitoring: createMonitoring(runtime),
    securityEventFeed: new SecurityEventFeed({
      pubsub: runtime.stores.pubsub,
      pollMs: config.SECURITY_EVENT_FEED_POLL_MS,
      logger: runtime.logger,
    }),
  };
}

/** What the security subgraph's resolvers receive: its config and services, typed. */
export type SecurityContext = SubgraphContext<SecurityConfig, SecurityServices>;
