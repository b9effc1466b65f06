import type { SubgraphConfig, SubgraphRuntime } from "@rampart/kit/subgraph";
import { subgraphUrlVariableOf } from "@rampart/kit";
import { MONITORED_SUBGRAPHS, type MonitoringConfig } from "./monitoring.config";
import { SystemHealthChecker } from "./system-health.service";
import { SystemMetricsSampler } from "./system-metrics.service";

/** The monitoring services of one security subgraph process. */
export interface Monitoring {
  /** Checks the subgraphs, the stores and the database. */
  readonly health: SystemHealthChecker;
  /** Reads the operating system's figures; keeps the previous CPU mark. */
  readonly system: SystemMetricsSampler;
  /** Interval of the securityMetrics subscription, in ms (SECURITY_METRICS_PUSH_SECONDS). */
  readonly metricsPushMs: number;
}

/** Creates the monitoring services from the runtime and its monitoring settings. */
export function createMonitoring(
  runtime: SubgraphRuntime<SubgraphConfig & MonitoringConfig>,
): Monitoring {
  const { config } = runtime;
  return {
    health: new SystemHealthChecker({
      subgraphUrls: Object.fromEntries(
        MONITORED_SUBGRAPHS.map((name) => [name, config[subgraphUrlVariableOf(name)]]),
      ),
      stores: runtime.stores,
    }),
    system: new SystemMetricsSampler({ diskPath: config.RAMPART_DATA_DIR }),
    metricsPushMs: config.SECURITY_METRICS_PUSH_SECONDS * 1000,
  };
}
