import type { EntityManager } from "@mikro-orm/core";
import type { SubgraphConfig, SubgraphRuntime } from "@rampart/kit/subgraph";
import {
  AlertEngine,
  AlertNotifier,
  alertPolicyOf,
  defaultAlertRules,
  type AlertsConfig,
} from "../alerts";
import { announceStoredSecurityEvents, type SecurityEventsConfig } from "../security-events";
import { AuditChainMonitor } from "./security-event.chain-monitor";
import {
  startSecurityEventConsumer,
  type SecurityEventConsumerOptions,
} from "./security-event.consumer";

/** Options for {@link startSecurityEventPipeline}. */
export interface SecurityEventPipelineOptions {
  /** Consumer settings (batch size, block time...). Default the consumer's defaults. */
  consumer?: Partial<Omit<SecurityEventConsumerOptions, "events" | "sink" | "logger">>;
  /** How often the alert rules catch up on events a failed evaluation left, in ms. Default 10 000. */
  catchUpMs?: number;
}

/**
 * Everything the security subgraph does with the event stream in the background: stores each
 * event once (the consumer), announces each stored batch to live feeds, evaluates the alert
 * rules on it, and checks the audit chain periodically. Returns the function that stops
 * it all (register it on shutdown, before the stores and the database close).
 */
export function startSecurityEventPipeline(
  runtime: SubgraphRuntime<SubgraphConfig & AlertsConfig & SecurityEventsConfig>,
  em: EntityManager,
  options: SecurityEventPipelineOptions = {},
): () => Promise<void> {
  const { config, logger } = runtime;
  const engine = new AlertEngine({
    em,
    rules: defaultAlertRules(alertPolicyOf(config)),
    notifier: new AlertNotifier(runtime.securityEvents, runtime.stores.pubsub, logger),
    logger,
  });
  const evaluate = () =>
    engine
      .evaluate()
      .catch((error: unknown) =>
        logger.warn({ err: error }, "could not evaluate alert rules; retrying later"),
      );
  const stopConsumer = startSecurityEventConsumer(runtime, em, {
    ...options.consumer,
    // Not awaited: the consumer acks and reads on while rules run (overlapping calls coalesce),
    // and only a batch holding a watched type starts them; the catch-up timer covers the rest.
    afterStore: [
      announceStoredSecurityEvents(runtime.stores.pubsub),
      (rows) => {
        if (rows.some((row) => engine.watches(row.type))) void evaluate();
      },
    ],
  });
  const monitor = new AuditChainMonitor({
    em,
    securityEvents: runtime.securityEvents,
    logger,
    intervalMs: config.AUDIT_CHAIN_VERIFY_INTERVAL_SECONDS * 1_000,
  });
  monitor.start();
  const catchUp = setInterval(evaluate, options.catchUpMs ?? 10_000);
  catchUp.unref();
  void evaluate();
  return async () => {
    clearInterval(catchUp);
    await monitor.stop();
    await stopConsumer();
    await engine.idle();
  };
}
