import { OperationLimitError, operationLimitErrorIn } from "../perimeter/operation-limits";
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type OperationDefinitionNode,
  type ParseOptions,
  type ValidationRule,
} from "graphql";
import type { PlannedSubscription, SubscriptionPlanner } from "./planner";

/** A subscription ready to run: parsed, validated and planned. */
export interface PreparedSubscription {
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly planned: PlannedSubscription;
}
/** Prepared subscriptions kept (oldest dropped first), and the longest query text kept. */
const MAX_PREPARED = 200;
const MAX_CACHED_QUERY_LENGTH = 10_000;

/** Options for {@link createSubscriptionPreparer}: the same limits as the HTTP path. */
export interface SubscriptionPreparerOptions {
  planner: SubscriptionPlanner;
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
}

/**
 * Parses, validates (with the HTTP operation limits) and plans a subscription. Successes are
 * kept per query text, so a burst of dashboards subscribing costs one plan; refusals are
 * worked out again each time, since each is reported. Errors are typed as Apollo types them
 * over HTTP, limit refusals keeping their own error, for the operation limits to finish.
 */
export function createSubscriptionPreparer(options: SubscriptionPreparerOptions) {
  const prepared = new Map<string, PreparedSubscription>();
  return (
    query: string,
    operationName: string | undefined,
  ): PreparedSubscription | { errors: readonly GraphQLError[] } => {
    const key = JSON.stringify([operationName ?? null, query]);
    const cached = prepared.get(key);
    if (cached) return cached;
    let document;
    try {
      document = parse(query, options.parseOptions);
    } catch (error) {
      return { errors: [asTyped(error as GraphQLError, "GRAPHQL_PARSE_FAILED")] };
    }
    const errors = validate(options.planner.apiSchema, document, [
      ...specifiedRules,
      ...options.validationRules,
    ]);
    if (errors.length > 0) {
      return {
        errors: errors.map((error) =>
          operationLimitErrorIn(error) ? error : asTyped(error, "GRAPHQL_VALIDATION_FAILED"),
        ),
      };
    }
    const operation = getOperationAST(document, operationName);
    // As over HTTP: an operationName that names none, or several operations and none named.
    if (!operation) {
      return { errors: [OperationLimitError.operationNotResolved(operationName)] };
    }
    if (operation.operation !== "subscription") {
      return {
        errors: [
          new GraphQLError(
            "This socket carries subscriptions; send queries and mutations over HTTP.",
            { extensions: { code: "BAD_REQUEST" } },
          ),
        ],
      };
    }
    const success = { document, operation, planned: options.planner.plan(document, operationName) };
    if (query.length <= MAX_CACHED_QUERY_LENGTH) {
      if (prepared.size >= MAX_PREPARED) prepared.delete(prepared.keys().next().value as string);
      prepared.set(key, success);
    }
    return success;
  };
}

/** A graphql-js error with the code Apollo gives the same failure over HTTP. */
export function asTyped(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
