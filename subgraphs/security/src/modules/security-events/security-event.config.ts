import { z } from "zod";

/** The security events' settings; spread into the security subgraph's configuration shape. */
export const securityEventsConfigShape = {
  /**
   * How often live `securityEvents` subscriptions check the table for events whose pubsub
   * announcement was lost (Redis restarting), in ms. Default 2000.
   */
  SECURITY_EVENT_FEED_POLL_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(2_000)
    .describe(
      "Set SECURITY_EVENT_FEED_POLL_MS to a whole number of ms from 100 to 60000 (default 2000)",
    ),
  /** Seconds between two incremental checks of the audit chain. Default 60. */
  AUDIT_CHAIN_VERIFY_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86_400)
    .default(60)
    .describe(
      "Set AUDIT_CHAIN_VERIFY_INTERVAL_SECONDS to a whole number of seconds from 1 to 86400 (default 60)",
    ),
};

/** The parsed {@link securityEventsConfigShape}. */
export type SecurityEventsConfig = Readonly<z.infer<z.ZodObject<typeof securityEventsConfigShape>>>;
