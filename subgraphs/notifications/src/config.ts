import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit";

/** The notifications subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseSubgraphConfig(4003, process.env);
