import { ConfigError, parseConfig, subgraphPortOf, type Environment } from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";
import type { z } from "zod";
import {
  fulfillmentConfigShape,
  fulfillmentConsistencyProblems,
  fulfillmentProductionProblems,
} from "./modules/tasks/fulfillment.config";

/** The fulfillment subgraph's configuration: every subgraph's settings plus its task settings. */
export type FulfillmentConfig = SubgraphConfig &
  Readonly<z.infer<z.ZodObject<typeof fulfillmentConfigShape>>>;

/**
 * Parses the fulfillment subgraph's environment (the shared subgraph settings, default port from
 * the subgraph list in @rampart/kit, the carrier and the task engine); production refuses a
 * clear-text carrier and an unsigned or unrestricted carrier webhook.
 */
export function parseFulfillmentConfig(environment: Environment): FulfillmentConfig {
  const base = parseSubgraphConfig(subgraphPortOf("fulfillment"), environment);
  const own = parseConfig(fulfillmentConfigShape, environment);
  const problems = [
    ...fulfillmentConsistencyProblems(own),
    ...(base.NODE_ENV === "production" ? fulfillmentProductionProblems(own) : []),
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems.map(([variable, message]) => ({ variable, message })));
  }
  return Object.freeze({ ...base, ...own });
}

/** The fulfillment subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): FulfillmentConfig => parseFulfillmentConfig(process.env);

/** The fulfillment subgraph's own environment variables, beyond every subgraph's (`npm run docs`). */
export { fulfillmentConfigShape };
