import type { Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";

/** Parses the notifications subgraph's environment (the shared subgraph settings, default port 4003). */
export const parseNotificationsConfig = (environment: Environment): SubgraphConfig =>
  parseSubgraphConfig(4003, environment);

/** The notifications subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): SubgraphConfig => parseNotificationsConfig(process.env);
