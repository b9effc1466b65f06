import type {
  ApolloServerOptionsWithGateway,
  ApolloServerPlugin,
  BaseContext,
} from "@apollo/server";
import { BREAK, OperationTypeNode, visit, type DocumentNode, type GraphQLError } from "graphql";
import { ErrorCode } from "@rampart/kit";
import {
  OperationLimitError,
  operationLimitErrorIn,
  type OperationLimitCode as Code,
} from "./errors";
import { refusalOfOperationInput } from "./operation-input";

/** The gateway Apollo Server runs (an `ApolloGateway`, or anything with its interface). */
export type GatewayInterface = ApolloServerOptionsWithGateway<BaseContext>["gateway"];

/** Who an operation came from, for refusal events. */
export interface RequestOrigin {
  /** Client address, when known. */
  ip: string | null;
  /** Request id, when known. */
  requestId: string | null;
}

/** Reports a refusal of an operation (a security event). */
export type OperationRefused<TContext> = (context: TContext, code: Code, reason: string) => void;

/** A suggestion graphql-js appends to a message: ` Did you mean "name"?`, `... the enum value "X"?`. */
const suggestion = / ?Did you mean [^?]*\?/g;

/**
 * Gives every operation-limit refusal its own `extensions.code`, strips field suggestions from
 * every message, and reports each refused operation once.
 *
 * Apollo wraps validation errors in its own `GRAPHQL_VALIDATION_FAILED` (overwriting the code a
 * rule set) and parse errors in `GRAPHQL_PARSE_FAILED`; `didEncounterErrors` runs before the
 * errors are formatted, so the codes are put back there. graphql-armor's own suggestion mask
 * misses enum suggestions (`Did you mean the enum value ...`) and leaves a stray `?`.
 */
export function refusalCodesPlugin<TContext extends BaseContext>(
  refused: OperationRefused<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          const first = typeLimitRefusals(errors);
          if (first) refused(contextValue, first.code, first.reason);
        },
      };
    },
  };
}

/**
 * Puts each operation-limit refusal's own code on errors typed the way Apollo types them
 * (`GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, …), strips suggestions from every
 * message, and returns the first refusal to report (timeouts are reported when the deadline
 * passes). The HTTP plugin and the subscription socket both type their errors with it.
 */
export function typeLimitRefusals(
  errors: readonly GraphQLError[],
): { code: Code; reason: string } | undefined {
  let first: { code: Code; reason: string } | undefined;
  for (const error of errors) {
    // Apollo hands over GraphQLErrors; a gateway's result could carry bare objects.
    if (typeof error.message === "string") {
      error.message = error.message.replace(suggestion, "");
    }
    if (!error.extensions) continue;
    const code = limitCodeOf(error);
    if (!code) continue;
    error.extensions.code = code;
    const tokens = /more tha[nt] (\d+) tokens/.exec(error.message);
    if (code === ErrorCode.TooManyTokens && tokens) {
      error.message = `The document has more than ${tokens[1]} tokens.`;
    }
    if (!first && code !== ErrorCode.ExecutionTimeout) {
      first = { code, reason: error.message };
    }
  }
  return first;
}

/** The operation-limit code of an error Apollo or a rule raised, if it is a limit refusal. */
function limitCodeOf(error: GraphQLError): Code | undefined {
  const ours = operationLimitErrorIn(error);
  if (ours) return ours.code;
  const { code, validationErrorCode } = error.extensions;
  // Apollo's own rule, when `introspection: false` is set.
  if (validationErrorCode === "INTROSPECTION_DISABLED") {
    return ErrorCode.IntrospectionDisabled;
  }
  // graphql-js stops parsing at `parseOptions.maxTokens` ("more that": its spelling in 16.x).
  if (
    code === "GRAPHQL_PARSE_FAILED" &&
    /Document contains more tha[nt] \d+ tokens/.test(error.message)
  ) {
    return ErrorCode.TooManyTokens;
  }
  if (
    code === ErrorCode.BadRequest &&
    error.message.startsWith("GET requests only support query")
  ) {
    return ErrorCode.MethodNotAllowed;
  }
  return undefined;
}

/**
 * Refuses, after parsing and validation, what the gateway would otherwise answer with a 500:
 * no operation to run (an `operationName` that names none, or several operations and no
 * name: 400 `OPERATION_RESOLUTION_FAILURE`), and a subscription over HTTP (400
 * `BAD_REQUEST`: subscriptions are served over graphql-ws). Then refuses what
 * {@link refusalOfOperationInput} refuses (undeclared variables, text no database can store),
 * the check graphql-ws applies to each subscribe as well.
 */
export function operationShapePlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (!operation) {
            throw OperationLimitError.operationNotResolved(request.operationName ?? undefined);
          }
          if (operation.operation === OperationTypeNode.SUBSCRIPTION) {
            throw OperationLimitError.subscriptionOverHttp();
          }
          const refusal = refusalOfOperationInput({
            document,
            operation,
            variables: request.variables,
          });
          if (refusal) throw refusal;
        },
      };
    },
  };
}

/**
 * Refuses `__schema` and `__type` (anywhere in the document, fragments included) unless
 * `allow(context)` says this caller may introspect; `__typename` stays allowed. Runs after
 * validation, where the request's context is known; a throwing `allow` refuses.
 */
export function introspectionGatePlugin<TContext extends BaseContext>(
  allow: (context: TContext) => boolean,
): ApolloServerPlugin<TContext> {
  // Apollo reuses parsed documents, so each is searched once.
  const introspects = new WeakMap<DocumentNode, boolean>();
  const asksIntrospection = (document: DocumentNode): boolean => {
    let found = introspects.get(document);
    if (found === undefined) {
      found = false;
      visit(document, {
        Field(node) {
          if (node.name.value === "__schema" || node.name.value === "__type") {
            found = true;
            return BREAK;
          }
          return undefined;
        },
      });
      introspects.set(document, found);
    }
    return found;
  };
  const allowed = (context: TContext): boolean => {
    try {
      return allow(context) === true;
    } catch {
      return false;
    }
  };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (asksIntrospection(document) && !allowed(contextValue)) {
            throw OperationLimitError.introspectionDisabled();
          }
        },
      };
    },
  };
}

/** Per-request abort signals of the execution timeout, keyed by the request's context. */
export type ExecutionSignals = WeakMap<object, AbortSignal>;

/**
 * Starts a deadline when execution starts. When it passes, the request's abort signal fires
 * (resolvers and data sources that listen stop their work; a gateway wrapped with
 * {@link timeGatewayExecution} answers at once), the refusal is reported, and the response
 * becomes 400 `EXECUTION_TIMEOUT` whatever execution produced meanwhile.
 */
export function executionTimeoutPlugin<TContext extends BaseContext>(
  timeoutMs: number,
  signals: ExecutionSignals,
  refused: OperationRefused<TContext>,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const stop = () => clearTimeout(timer);
      return {
        async executionDidStart({ contextValue }) {
          const controller = new AbortController();
          signals.set(contextValue, controller.signal);
          timer = setTimeout(() => {
            timedOut = true;
            const error = OperationLimitError.executionTimeout(timeoutMs);
            refused(contextValue, error.code, error.message);
            controller.abort(error);
          }, timeoutMs);
          return { executionDidEnd: async () => stop() };
        },
        async willSendResponse({ response }) {
          stop();
          if (!timedOut) return;
          const error = OperationLimitError.executionTimeout(timeoutMs);
          response.body = {
            kind: "single",
            singleResult: {
              errors: [{ message: error.message, extensions: { code: error.code } }],
            },
          };
          response.http.status = 400;
        },
      };
    },
  };
}

/**
 * Wraps a gateway so that its execution races the request's timeout signal: when the deadline
 * passes, the client is answered at once. The subgraph calls themselves keep running unless
 * the data source passes the signal to `fetch`.
 */
export function timeGatewayExecution(
  gateway: GatewayInterface,
  signals: ExecutionSignals,
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      const { executor } = loaded;
      if (!executor) return loaded;
      return {
        ...loaded,
        executor: (requestContext) => {
          const running = executor(requestContext);
          const signal = signals.get(requestContext.context);
          return signal ? Promise.race([running, rejectOnAbort(signal)]) : running;
        },
      };
    },
  };
}

/** A promise that rejects with the signal's reason when it aborts. */
function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true });
  });
}
