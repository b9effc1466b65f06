import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit";

/** The commerce subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseSubgraphConfig(4002, process.env);
