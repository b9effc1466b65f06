import type { Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";

/** Parses the fulfillment subgraph's environment (the shared subgraph settings, default port 4004). */
export const parseFulfillmentConfig = (environment: Environment): SubgraphConfig =>
  parseSubgraphConfig(4004, environment);

/** The fulfillment subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseFulfillmentConfig(process.env);
