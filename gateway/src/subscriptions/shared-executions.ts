import { createHash, randomUUID, type KeyObject } from "node:crypto";
import type { ServiceMap } from "@apollo/gateway";
import { Repeater } from "@repeaterjs/repeater";
import {
  ErrorCode,
  IDENTITY_HEADER,
  maskUnexpected,
  RampartError,
  signIdentity,
  type Identity,
  type IdentitySigner,
  type Logger,
} from "@rampart/kit";
import { GraphQLError, print, type ExecutionResult, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { PlannedSubscription, SubscriptionPlanner } from "./planner";

/** Options for {@link SharedExecutions}. */
export interface SharedExecutionsOptions {
  planner: SubscriptionPlanner;
  /** Data sources of the subgraphs, for the `_entities` fetches of each event. */
  services: ServiceMap;
  /** Subgraph HTTP endpoints by name; subscriptions use the same URL over `ws(s)://`. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** The gateway's Ed25519 key, signing the identity each upstream socket presents. */
  privateKey: KeyObject | IdentitySigner;
  logger: Logger;
  /** Events a subscriber may have queued before it counts as stuck and is dropped. Default 256. */
  maxQueuedEvents?: number;
  /** Called when a subscription starts; returns what to call when it ends (a gauge). */
  onSubscriptionStarted?(): () => void;
}

/** One client subscription, as the fan-out sees it. */
export interface SubscriptionRequest {
  readonly planned: PlannedSubscription;
  readonly variables: Record<string, unknown>;
  /** The subscriber; its authorization scope decides which execution it may share. */
  readonly identity: Identity;
  readonly ip: string;
}

interface Subscriber {
  push(result: ExecutionResult): void;
  /** Ends the subscriber's iterator: normally, or throwing `error`. */
  end(error: Error | null): void;
}

/**
 * Subscriptions through the gateway, fanned out: subscribers with the same operation, variables
 * and authorization scope share one upstream subscription and one plan execution per event
 * (docs/architecture.md), which is what keeps a fan-out to many dashboards cheap. The scope is
 * the whole authorization-relevant identity (user, organization, role, permissions, level), so
 * a shared result is one the subgraphs' rules would have given each subscriber alone.
 */
export class SharedExecutions {
  readonly #options: SharedExecutionsOptions;
  readonly #executions = new Map<string, SharedExecution>();

  constructor(options: SharedExecutionsOptions) {
    this.#options = options;
  }

  /** Executions running now (one upstream subscription each). */
  get size(): number {
    return this.#executions.size;
  }

  /** Subscribes; the iterator ends when the client completes, or throws when upstream fails. */
  subscribe(request: SubscriptionRequest): AsyncIterableIterator<ExecutionResult> {
    const key = executionKey(request);
    const maxQueued = this.#options.maxQueuedEvents ?? 256;
    return new Repeater<ExecutionResult>(async (push, stop) => {
      let queued = 0;
      const subscriber: Subscriber = {
        push: (result) => {
          if (queued >= maxQueued) {
            stop(
              new RampartError(
                ErrorCode.ServiceUnavailable,
                "Events arrived faster than this subscriber read them; subscribe again with `after`.",
              ),
            );
            return;
          }
          queued += 1;
          void push(result).then(() => (queued -= 1));
        },
        end: (error) => (error ? stop(error) : stop()),
      };
      let execution = this.#executions.get(key);
      if (!execution) {
        execution = new SharedExecution(request, this.#options, () => {
          if (this.#executions.get(key) === execution) this.#executions.delete(key);
        });
        this.#executions.set(key, execution);
      }
      execution.add(subscriber);
      const ended = this.#options.onSubscriptionStarted?.();
      await stop;
      ended?.();
      execution.remove(subscriber);
    });
  }

  /** Ends every execution (shutdown). */
  close(): void {
    for (const execution of this.#executions.values()) execution.dispose();
    this.#executions.clear();
  }
}

/**
 * The authorization scope and operation a subscription shares an execution by. A subscription
 * that replays from a point (`after`) never joins a running one: it would miss the replay.
 */
function executionKey({ planned, variables, identity }: SubscriptionRequest): string {
  if (variables.after !== undefined && variables.after !== null) return randomUUID();
  return createHash("sha256")
    .update(
      JSON.stringify([
        identity.userId,
        identity.organizationId,
        identity.role,
        [...identity.permissions].sort(),
        identity.securityLevel,
        print(planned.document),
        planned.operationName ?? null,
        variables,
      ]),
    )
    .digest("hex");
}

/** One upstream subscription and its subscribers. */
class SharedExecution {
  readonly #subscribers = new Set<Subscriber>();
  readonly #client: Client;
  readonly #unsubscribe: () => void;
  readonly #logger: Logger;
  /** Events resolve one after another, so subscribers see the subgraph's order. */
  #queue: Promise<void> = Promise.resolve();
  #ended = false;
  #delivered = false;

  constructor(
    private readonly request: SubscriptionRequest,
    private readonly options: SharedExecutionsOptions,
    private readonly onEnd: () => void,
  ) {
    const { primary } = request.planned;
    const url = options.subgraphUrls[primary.serviceName];
    this.#logger = options.logger.child({
      requestId: request.identity.requestId,
      subgraph: primary.serviceName,
    });
    // One socket per execution, carrying this one subscription: the assertion presented at
    // connection_init is bound to its subscribe payload, and each connection signs a fresh one.
    const payload = {
      query: primary.operation,
      operationName: primary.operationName,
      variables: options.planner.primaryVariables(request.planned, request.variables),
    };
    this.#client = createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      // A reconnect could skip events: the subscribers resume themselves with `after`.
      retryAttempts: 0,
      lazy: true,
      connectionParams: async () => ({
        [IDENTITY_HEADER]: signIdentity(
          request.identity,
          primary.serviceName,
          options.privateKey,
          payload,
        ),
      }),
    });
    this.#unsubscribe = this.#client.subscribe<Record<string, unknown>>(payload, {
      next: (event) => {
        // Errors without data before any event are a refusal at subscribe time (graphql-js
        // reports those as a result, not an iterator): the subscription ends with the
        // subgraph's typed error. Later ones (a failed periodic push) are delivered.
        if (event.errors && !event.data && !this.#delivered) {
          const errors = event.errors;
          this.#queue = this.#queue.then(() => this.#end(upstreamError(errors)));
          return;
        }
        this.#queue = this.#queue.then(() => this.#deliver(event as ExecutionResult));
      },
      error: (error) => void this.#queue.then(() => this.#end(upstreamError(error))),
      complete: () => void this.#queue.then(() => this.#end(null)),
    });
  }

  add(subscriber: Subscriber): void {
    this.#subscribers.add(subscriber);
  }

  remove(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.dispose();
  }

  dispose(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unsubscribe();
    void this.#client.dispose();
    this.onEnd();
  }

  async #deliver(event: ExecutionResult): Promise<void> {
    if (this.#ended) return;
    this.#delivered = true;
    let result: ExecutionResult;
    try {
      result = await this.options.planner.resolveEvent(
        this.request.planned,
        event,
        this.options.services,
        {
          context: { identity: this.request.identity, ip: this.request.ip },
          variables: this.request.variables,
          logger: this.#logger,
        },
      );
    } catch (error) {
      this.#logger.error({ err: error }, "could not resolve a subscription event");
      result = { data: null, errors: [RampartError.unavailable("this event's fields")] };
    }
    if (result.errors) {
      // Formatted here, once for every subscriber; graphql-ws sends the result as it is.
      const errors = result.errors.map((error) => formatSubscriptionError(error, this.#logger));
      result = { ...result, errors: errors as unknown as ExecutionResult["errors"] };
    }
    for (const subscriber of this.#subscribers) subscriber.push(result);
  }

  #end(error: Error | null): void {
    if (this.#ended) return;
    for (const subscriber of this.#subscribers) subscriber.end(error);
    this.dispose();
  }
}

/**
 * A subscription error as a client sees it. Errors come as GraphQLErrors (the gateway's own, or
 * from its plan) or already formatted by a subgraph (passed through when an event needs no other
 * subgraph). Untyped ones are masked; `extensions.http` is for HTTP responses only.
 */
export function formatSubscriptionError(
  error: GraphQLError | GraphQLFormattedError,
  logger: Logger,
): GraphQLFormattedError {
  const formatted =
    error instanceof GraphQLError
      ? maskUnexpected(error.toJSON(), error.originalError ?? error, logger)
      : maskUnexpected(error, error, logger);
  const { http: _http, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

/**
 * What a subscriber sees when the upstream subscription fails: the subgraph's own typed error
 * (a refusal, a bad filter), or SERVICE_UNAVAILABLE when its socket went away.
 */
function upstreamError(error: unknown): Error {
  if (Array.isArray(error) && error.length > 0) {
    const first = error[0] as GraphQLFormattedError;
    const code = first.extensions?.code;
    if (typeof code === "string" && code !== ErrorCode.Internal) {
      const { code: _code, ...rest } = first.extensions ?? {};
      return new RampartError(code as ErrorCode, first.message, rest);
    }
  }
  return new RampartError(
    ErrorCode.ServiceUnavailable,
    "The live feed was interrupted; subscribe again with `after` set to the last event id.",
  );
}
