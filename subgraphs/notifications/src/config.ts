import { ConfigError, parseConfig, subgraphPortOf, type Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";
import type { z } from "zod";
import {
  deliveryConfigShape,
  deliveryConsistencyProblems,
  deliveryProductionProblems,
} from "./modules/delivery/delivery.config";

const notificationsShape = { ...deliveryConfigShape };

/** The notifications subgraph's configuration: every subgraph's settings plus delivery. */
export type NotificationsConfig = SubgraphConfig &
  Readonly<z.infer<z.ZodObject<typeof notificationsShape>>>;

/**
 * Parses the notifications subgraph's environment (the shared subgraph settings, default port
 * from the subgraph list, and the delivery settings); production refuses clear-text channels.
 */
export function parseNotificationsConfig(environment: Environment): NotificationsConfig {
  const base = parseSubgraphConfig(subgraphPortOf("notifications"), environment);
  const own = parseConfig(notificationsShape, environment);
  const problems = [
    ...deliveryConsistencyProblems(own),
    ...(base.NODE_ENV === "production" ? deliveryProductionProblems(own) : []),
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems.map(([variable, message]) => ({ variable, message })));
  }
  return Object.freeze({ ...base, ...own });
}

/** The notifications subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): NotificationsConfig => parseNotificationsConfig(process.env);

/** The notifications subgraph's own environment variables, beyond every subgraph's (`npm run docs`). */
export { notificationsShape as notificationsConfigShape };
