import { RampartError } from "@rampart/kit";
import {
  Arg,
  Ctx,
  Directive,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import type { MonitoringContext } from "./monitoring.module";
import { periodic, ProductionFailure } from "./periodic";
import { readSecurityMetricsFor } from "./security-metrics.service";
import { MetricsWindow, SecurityMetrics } from "./security-metrics.types";

/**
 * Pushes the metrics now (kit checks `Subscription.securityMetrics`'s rule first, before any
 * timer or query starts) and then and every SECURITY_METRICS_PUSH_SECONDS, each read in a fresh
 * fork of the subscription's entity manager.
 */
async function pushSecurityMetrics(
  data: SubscribeResolverData<unknown, Record<string, unknown>, MonitoringContext>,
): Promise<AsyncIterable<SecurityMetrics | ProductionFailure>> {
  const { context } = data;
  const window = data.args.window as MetricsWindow;
  return periodic(context.services.monitoring.metricsPushMs, () =>
    readSecurityMetricsFor({ ...context, em: context.em.fork() }, window),
  );
}

/** `securityMetrics(window)` pushed periodically to superadmins. */
@Resolver()
export class SecurityMetricsSubscriptionResolver {
  @Directive('@tag(name: "admin")')
  @Subscription(() => SecurityMetrics, {
    name: "securityMetrics",
    description:
      "securityMetrics(window) at once, then every SECURITY_METRICS_PUSH_SECONDS (default 5). Superadmin.",
    subscribe: pushSecurityMetrics,
  })
  securityMetricsPushed(
    @Root() pushed: SecurityMetrics | ProductionFailure,
    @Arg("window", () => MetricsWindow) _window: MetricsWindow,
    @Ctx() context: MonitoringContext,
  ): SecurityMetrics {
    if (pushed instanceof ProductionFailure) {
      // This push fails; the subscription stays open and the next one tries again.
      context.log.error({ err: pushed.error }, "could not read security metrics");
      throw RampartError.unavailable("Security metrics");
    }
    return pushed;
  }
}
