import { parseConfig, type SubgraphConfig, type SubgraphRuntime } from "@rampart/kit";
import { monitoringConfigShape, type MonitoringConfig } from "./monitoring.config";
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

/**
 * Creates the monitoring services from the runtime. A configuration without the monitoring
 * variables (a test harness's base subgraph config) gets their defaults.
 */
export function createMonitoring(runtime: SubgraphRuntime): Monitoring {
  const defaults = parseConfig(monitoringConfigShape, {});
  const config = runtime.config as SubgraphConfig;
  const given = runtime.config as Partial<MonitoringConfig>;
  const setting = <K extends keyof MonitoringConfig>(key: K): MonitoringConfig[K] =>
    given[key] ?? defaults[key];
  return {
    health: new SystemHealthChecker({
      subgraphUrls: {
        security: setting("SECURITY_SUBGRAPH_URL"),
        commerce: setting("COMMERCE_SUBGRAPH_URL"),
        notifications: setting("NOTIFICATIONS_SUBGRAPH_URL"),
        fulfillment: setting("FULFILLMENT_SUBGRAPH_URL"),
      },
      stores: runtime.stores,
    }),
    system: new SystemMetricsSampler({ diskPath: config.RAMPART_DATA_DIR }),
    metricsPushMs: setting("SECURITY_METRICS_PUSH_SECONDS") * 1000,
  };
}
