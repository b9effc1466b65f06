import type { SubgraphConfig, SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import type { MonitoringConfig } from "./monitoring.config";
import { createMonitoring, type Monitoring } from "./monitoring.service";

/** What the monitoring resolvers use besides the shared runtime. */
export interface MonitoringServices {
  /** System health and metrics, and the security-metrics push interval. */
  readonly monitoring: Monitoring;
}

/** The configuration the monitoring module reads. */
export type MonitoringModuleConfig = SubgraphConfig & MonitoringConfig;

/** What the monitoring resolvers receive. */
export type MonitoringContext = SubgraphContext<MonitoringModuleConfig, MonitoringServices>;

/** Creates the monitoring services (one CPU mark for the process). */
export const createMonitoringServices = (
  runtime: SubgraphRuntime<MonitoringModuleConfig>,
): MonitoringServices => ({ monitoring: createMonitoring(runtime) });
