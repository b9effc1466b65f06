import { env } from "@rampart/kit";
import { z } from "zod";

/** The subgraphs `systemHealth` checks, in federation order, with their default ports. */
export const MONITORED_SUBGRAPHS = Object.freeze({
  security: 4001,
  commerce: 4002,
  notifications: 4003,
  fulfillment: 4004,
});

/** One of {@link MONITORED_SUBGRAPHS}. */
export type MonitoredSubgraph = keyof typeof MONITORED_SUBGRAPHS;

// The same variable names as the gateway's, so one environment serves both.
const subgraphUrl = (name: MonitoredSubgraph) =>
  env
    .url(
      ["http", "https"],
      `Set ${name.toUpperCase()}_SUBGRAPH_URL to the subgraph's http(s)://host:port/graphql (its /health is checked)`,
    )
    .default(`http://127.0.0.1:${MONITORED_SUBGRAPHS[name]}/graphql`);

/** The security subgraph's monitoring settings; spread into its configuration shape. */
export const monitoringConfigShape = {
  /** Security subgraph's URL as systemHealth checks it. Default http://127.0.0.1:4001/graphql. */
  SECURITY_SUBGRAPH_URL: subgraphUrl("security"),
  /** Commerce subgraph's URL. Default http://127.0.0.1:4002/graphql. */
  COMMERCE_SUBGRAPH_URL: subgraphUrl("commerce"),
  /** Notifications subgraph's URL. Default http://127.0.0.1:4003/graphql. */
  NOTIFICATIONS_SUBGRAPH_URL: subgraphUrl("notifications"),
  /** Fulfillment subgraph's URL. Default http://127.0.0.1:4004/graphql. */
  FULFILLMENT_SUBGRAPH_URL: subgraphUrl("fulfillment"),
  /** Seconds between two pushes of the securityMetrics subscription. Default 5. */
  SECURITY_METRICS_PUSH_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(5)
    .describe(
      "Set SECURITY_METRICS_PUSH_SECONDS to a whole number of seconds from 1 to 3600 (default 5)",
    ),
};

/** The parsed {@link monitoringConfigShape}. */
export type MonitoringConfig = Readonly<z.infer<z.ZodObject<typeof monitoringConfigShape>>>;
