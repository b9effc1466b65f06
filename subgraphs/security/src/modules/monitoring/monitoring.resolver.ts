import { Arg, Ctx, Directive, Query, Resolver } from "type-graphql";
import type { MonitoringContext } from "./monitoring.module";
import { readSecurityMetricsFor } from "./security-metrics.service";
import { MetricsWindow, SecurityMetrics } from "./security-metrics.types";
import { SystemHealth } from "./system-health.types";
import { SystemMetrics } from "./system-metrics.types";

/** Monitoring for superadmins: security metrics, system health and system metrics. */
@Resolver()
export class MonitoringResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => SecurityMetrics, {
    description:
      "Security figures over a window: event counts, authentication success rate, failed logins, IP violations, rate-limit hits; and now: active sessions, 2FA adoption among admins, lockdown. Superadmin.",
  })
  securityMetrics(
    @Arg("window", () => MetricsWindow) window: MetricsWindow,
    @Ctx() context: MonitoringContext,
  ): Promise<SecurityMetrics> {
    return readSecurityMetricsFor(context, window);
  }

  @Directive('@tag(name: "admin")')
  @Query(() => SystemHealth, {
    description:
      "Each subgraph's /health, Redis and PostgreSQL, checked in parallel with a timeout. Superadmin.",
  })
  systemHealth(@Ctx() context: MonitoringContext): Promise<SystemHealth> {
    return context.services.monitoring.health.check(context.em);
  }

  @Directive('@tag(name: "admin")')
  @Query(() => SystemMetrics, {
    description:
      "CPU, memory, disk, network and connections of the security subgraph's host, read from the operating system. Superadmin.",
  })
  systemMetrics(@Ctx() context: MonitoringContext): Promise<SystemMetrics> {
    return context.services.monitoring.system.sample();
  }
}
