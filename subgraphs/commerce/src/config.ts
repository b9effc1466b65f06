import { subgraphPortOf, type Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";

/** Parses the commerce subgraph's environment (the shared subgraph settings, default port from the subgraph list in @rampart/kit). */
export const parseCommerceConfig = (environment: Environment): SubgraphConfig =>
  parseSubgraphConfig(subgraphPortOf("commerce"), environment);

/** The commerce subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseCommerceConfig(process.env);
