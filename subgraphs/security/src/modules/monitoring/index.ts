/** Monitoring for superadmins: security metrics (query and subscription), system health and metrics. */
export {
  MONITORED_SUBGRAPHS,
  monitoringConfigShape,
  type MonitoredSubgraph,
  type MonitoringConfig,
} from "./monitoring.config";
export { MonitoringResolver } from "./monitoring.resolver";
export { createMonitoring, type Monitoring } from "./monitoring.service";
export { periodic, ProductionFailure } from "./periodic";
export {
  countTcpStates,
  cpuUtilizationPercent,
  parseNetDev,
  parseProcStat,
  TCP_STATES,
  type CpuTimes,
  type NetworkInterfaceCounters,
} from "./proc-parsers";
export {
  ADMIN_LOOKBACK_DAYS,
  ADMIN_SESSION_REASONS,
  METRIC_EVENT_TYPES,
  readSecurityMetrics,
  readSecurityMetricsFor,
  type SecurityMetricsSources,
} from "./security-metrics.service";
export { SecurityMetricsSubscriptionResolver } from "./security-metrics.subscription";
export {
  METRICS_WINDOW_MS,
  MetricsWindow,
  SecurityEventCount,
  SecurityMetrics,
  TwoFactorAdoption,
} from "./security-metrics.types";
export { SystemHealthChecker, type SystemHealthCheckerOptions } from "./system-health.service";
export { ComponentHealth, HealthStatus, SystemHealth } from "./system-health.types";
export { SystemMetricsSampler, type SystemMetricsSamplerOptions } from "./system-metrics.service";
export {
  ConnectionMetrics,
  CpuMetrics,
  DiskMetrics,
  MemoryMetrics,
  NetworkInterfaceMetrics,
  SystemMetrics,
  TcpStateCount,
  UptimeMetrics,
} from "./system-metrics.types";
export {
  createMonitoringServices,
  type MonitoringContext,
  type MonitoringModuleConfig,
  type MonitoringServices,
} from "./monitoring.module";
