import { subgraphPortOf, type Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";

/** Parses the fulfillment subgraph's environment (the shared subgraph settings, default port from the subgraph list in @rampart/kit). */
export const parseFulfillmentConfig = (environment: Environment): SubgraphConfig =>
  parseSubgraphConfig(subgraphPortOf("fulfillment"), environment);

/** The fulfillment subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseFulfillmentConfig(process.env);
