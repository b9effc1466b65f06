import { subgraphPortOf, type Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";

/** Parses the notifications subgraph's environment (the shared subgraph settings, default port from the subgraph list in @rampart/kit). */
export const parseNotificationsConfig = (environment: Environment): SubgraphConfig =>
  parseSubgraphConfig(subgraphPortOf("notifications"), environment);

/** The notifications subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseNotificationsConfig(process.env);
