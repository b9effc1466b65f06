import type { SubgraphConfig, SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import type { SecurityEventsConfig } from "./security-event.config";
import { SecurityEventFeed } from "./security-event.feed";

/** What the security-event resolvers use besides the shared runtime. */
export interface SecurityEventServices {
  /** Live streams of stored security events (one pubsub subscription for the process). */
  readonly securityEventFeed: SecurityEventFeed;
}

/** The configuration the security-events module reads. */
export type SecurityEventModuleConfig = SubgraphConfig & SecurityEventsConfig;

/** What the security-event resolvers receive. */
export type SecurityEventContext = SubgraphContext<
  SecurityEventModuleConfig,
  SecurityEventServices
>;

/** Creates the security-event services. */
export const createSecurityEventServices = (
  runtime: SubgraphRuntime<SecurityEventModuleConfig>,
): SecurityEventServices => ({
  securityEventFeed: new SecurityEventFeed({
    pubsub: runtime.stores.pubsub,
    pollMs: runtime.config.SECURITY_EVENT_FEED_POLL_MS,
    logger: runtime.logger,
  }),
});
