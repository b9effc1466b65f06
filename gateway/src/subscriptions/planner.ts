import {
  buildOperationContext,
  executeQueryPlan,
  type GraphQLDataSource,
  type ServiceMap,
} from "@apollo/gateway";
import { operationFromDocument, Supergraph, type Schema } from "@apollo/federation-internals";
import { QueryPlanner, type FetchNode, type PlanNode } from "@apollo/query-planner";
import type { DocumentNode, ExecutionResult, GraphQLSchema } from "graphql";
import type { Logger } from "@rampart/kit";
import type { GatewayContext } from "../context";

/** A subscription planned by Apollo's query planner. */
export interface PlannedSubscription {
  /** The fetch that opens the subscription on the subgraph owning the root field. */
  readonly primary: FetchNode;
  /** What resolves, per event, the fields other subgraphs own (`_entities` fetches). */
  readonly rest: PlanNode | undefined;
  /** The client's document and operation. */
  readonly document: DocumentNode;
  readonly operationName: string | undefined;
  /** What `executeQueryPlan` needs of the operation; built once, used for every event. */
  readonly operationContext: ReturnType<typeof buildOperationContext>;
  /** The plan run per event: `primary`, then `rest`. */
  readonly perEvent: PlanNode | undefined;
}

/**
 * Plans subscriptions with the same query planner `@apollo/gateway` uses, and resolves each
 * event through `executeQueryPlan` (docs/architecture.md): the planner returns a
 * `Subscription` node whose `primary` fetch goes to the owning subgraph and whose `rest` is an
 * ordinary plan; the gateway refuses only that node kind, so each event runs as the plan
 * `primary` then `rest`, where `primary`'s data source hands back the event.
 */
export class SubscriptionPlanner {
  /** The client-facing schema (the supergraph's API schema) operations are validated against. */
  readonly apiSchema: GraphQLSchema;
  readonly #api: Schema;
  readonly #supergraphSchema: GraphQLSchema;
  readonly #planner: QueryPlanner;

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.#api = supergraph.apiSchema();
    this.apiSchema = this.#api.toGraphQLJSSchema();
    this.#supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.#planner = new QueryPlanner(supergraph);
  }

  /** Plans a validated subscription operation. */
  plan(document: DocumentNode, operationName: string | undefined): PlannedSubscription {
    const operation = operationFromDocument(this.#api, document, { operationName });
    const plan = this.#planner.buildQueryPlan(operation);
    if (plan.node?.kind !== "Subscription") {
      throw new Error(`expected a subscription plan, got ${plan.node?.kind ?? "none"}`);
    }
    const { primary, rest } = plan.node;
    return {
      primary,
      rest,
      document,
      operationName,
      operationContext: buildOperationContext({
        schema: this.apiSchema,
        operationDocument: document,
        operationName,
      }),
      perEvent: rest ? { kind: "Sequence", nodes: [primary, rest] } : undefined,
    };
  }

  /** The variables the primary fetch declares, picked from the client's. */
  primaryVariables(
    planned: PlannedSubscription,
    variables: Readonly<Record<string, unknown>>,
  ): Record<string, unknown> {
    return Object.fromEntries(
      (planned.primary.variableUsages ?? [])
        .filter((name) => name in variables)
        .map((name) => [name, variables[name]]),
    );
  }

  /**
   * Resolves one event (the primary subgraph's `data`) into the client's result: runs the plan
   * `primary` then `rest`, where the primary fetch answers with the event and every other
   * fetch goes to its subgraph with `context`'s identity.
   */
  async resolveEvent(
    planned: PlannedSubscription,
    event: ExecutionResult,
    services: ServiceMap,
    request: {
      context: GatewayContext;
      variables: Record<string, unknown>;
      logger: Logger;
    },
  ): Promise<ExecutionResult> {
    if (!planned.perEvent || !event.data) return event;
    const serviceMap: ServiceMap = {
      ...services,
      [planned.primary.serviceName]: answerPrimaryWith(
        planned.primary,
        event,
        services[planned.primary.serviceName],
      ),
    };
    const requestContext = {
      request: { variables: request.variables, operationName: planned.operationName },
      document: planned.document,
      operationName: planned.operationName ?? null,
      context: request.context,
      logger: request.logger,
      metrics: {},
      cache: undefined,
      overallCachePolicy: undefined,
    } as unknown as Parameters<typeof executeQueryPlan>[2];
    const result = await executeQueryPlan(
      { kind: "QueryPlan", node: planned.perEvent },
      serviceMap,
      requestContext,
      planned.operationContext,
      this.#supergraphSchema,
      this.#api,
    );
    return { data: result.data, errors: result.errors ?? event.errors };
  }
}

/**
 * The primary subgraph's data source for one event: the primary fetch is answered with the
 * event; any other fetch to that subgraph (an `_entities` fetch in `rest`) goes through.
 */
function answerPrimaryWith(
  primary: FetchNode,
  event: ExecutionResult,
  service: GraphQLDataSource | undefined,
): GraphQLDataSource {
  return {
    process(options) {
      if (options.request.query === primary.operation) {
        return Promise.resolve({ data: event.data, errors: event.errors });
      }
      if (!service) throw new Error(`no data source for ${primary.serviceName}`);
      return service.process(options);
    },
  };
}
