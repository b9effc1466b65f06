import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit";

/** The security subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseSubgraphConfig(4001, process.env);
