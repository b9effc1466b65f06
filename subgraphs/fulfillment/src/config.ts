import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit";

/** The fulfillment subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseSubgraphConfig(4004, process.env);
