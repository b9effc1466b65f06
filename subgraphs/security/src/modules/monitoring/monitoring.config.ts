import {
  defaultSubgraphUrlOf,
  env,
  perSubgraphUrlVariable,
  subgraphNames,
  subgraphUrlVariableOf,
  type SubgraphName,
} from "@rampart/kit";
import { z } from "zod";

/** The subgraphs `systemHealth` checks, in federation order: every subgraph of the list in @rampart/kit. */
export const MONITORED_SUBGRAPHS: readonly SubgraphName[] = subgraphNames;

/** One of {@link MONITORED_SUBGRAPHS}. */
export type MonitoredSubgraph = SubgraphName;

// The same variable names as the gateway's, so one environment serves both.
const subgraphUrl = (name: MonitoredSubgraph) =>
  env
    .url(
      ["http", "https"],
      `Set ${subgraphUrlVariableOf(name)} to the subgraph's http(s)://host:port/graphql (its /health is checked)`,
    )
    .default(defaultSubgraphUrlOf(name));

/** The security subgraph's monitoring settings; spread into its configuration shape. */
export const monitoringConfigShape = {
  /** Each subgraph's URL as systemHealth checks it (`SECURITY_SUBGRAPH_URL`, ...); default on 127.0.0.1 at its listed port. */
  ...perSubgraphUrlVariable(subgraphUrl),
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
