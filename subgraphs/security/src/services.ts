import type { SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import type { SecurityConfig } from "./config";
import {
  createMonitoringServices,
  type MonitoringServices,
} from "./modules/monitoring/monitoring.module";
import {
  createSecurityEventServices,
  type SecurityEventServices,
} from "./modules/security-events/security-event.module";
import {
  createTwoFactorServices,
  type TwoFactorServices,
} from "./modules/two-factor/two-factor.module";

/** What the security subgraph's resolvers use besides the shared runtime: each module's own. */
export type SecurityServices = TwoFactorServices & MonitoringServices & SecurityEventServices;

/** Composes the security subgraph's services from each module's factory. */
export const createSecurityServices = (
  runtime: SubgraphRuntime<SecurityConfig>,
): SecurityServices => ({
  ...createTwoFactorServices(runtime),
  ...createMonitoringServices(runtime),
  ...createSecurityEventServices(runtime),
});

/** What the security subgraph's resolvers receive, as a whole: its config and services, typed. */
export type SecurityContext = SubgraphContext<SecurityConfig, SecurityServices>;
