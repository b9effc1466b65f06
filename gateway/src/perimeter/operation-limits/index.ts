import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type {
  GraphQLArmorCallbackConfiguration,
  GraphQLArmorConfig,
} from "@escape.tech/graphql-armor-types";
import { ConfigError, ErrorCode } from "@rampart/kit";
import type { Request, RequestHandler, Response } from "express";
import type { GraphQLError, ParseOptions, ValidationRule } from "graphql";
import {
  executionTimeoutPlugin,
  introspectionGatePlugin,
  operationShapePlugin,
  refusalCodesPlugin,
  timeGatewayExecution,
  typeLimitRefusals,
  type ExecutionSignals,
  type GatewayInterface,
  type OperationRefused,
  type RequestOrigin,
} from "./apollo";
import { createBodyParser } from "./body-parser";
import { OperationLimitError, type OperationLimitCode } from "./errors";
import { refusalOfOperationInput, type OperationInput } from "./operation-input";

export { csrfPreventionRequestHeaders } from "./body-parser";
export { isWellFormedUtf8, nestsDeeperThan } from "./json-text";
export type { GatewayInterface, RequestOrigin } from "./apollo";
export { OperationLimitError, operationLimitErrorIn, type OperationLimitCode } from "./errors";
export type { OperationInput } from "./operation-input";

/** A refused request, reported as a security event. */
export interface RefusalEvent {
  /** Dotted event type: `operation_limit.` and the code in lower case (`operation_limit.query_too_deep`). */
  type: string;
  /** Why, as the client was told. */
  reason: string;
  /** Client address, when known. */
  ip: string | null;
  /** Request id, when known. */
  requestId: string | null;
}

/** Options for {@link createOperationLimits}. */
export interface OperationLimitsOptions<TContext extends BaseContext> {
  /** Largest accepted request body, in bytes; default 102400 (100 kB). */
  maxBodyBytes?: number;
  /**
   * Deepest nesting of JSON objects and arrays in a body (the body itself is level 1) or in a
   * GET's `variables` and `extensions`; default 32.
   */
  maxJsonDepth?: number;
  /** Deepest selection nesting (`__schema` subtrees not counted); default 6. */
  maxDepth?: number;
  /** Most aliases in one operation, `__typename` aliases included; default 15. */
  maxAliases?: number;
  /** Most directives in one operation; default 50. */
  maxDirectives?: number;
  /** Most lexical tokens in one document; default 1000. */
  maxTokens?: number;
  /** Highest estimated cost (graphql-armor: objects 2, scalars 1, times 1.5 per level); default 5000. */
  maxCost?: number;
  /** Longest execution, in milliseconds; default 10000. */
  executionTimeoutMs?: number;
  /** Whether this caller may ask `__schema` and `__type`, per request; default: nobody. */
  allowIntrospection?: (context: TContext) => boolean;
  /** Receives every refusal; must not throw (errors it throws are ignored). */
  onRefusal: (event: RefusalEvent) => void;
  /** Client address of a request refused before Apollo; default: the socket's remote address. */
  clientIp?: (req: Request) => string | null;
  /**
   * Client address and request id of an operation; default: the context's `ip` and
   * `requestId`, or else its `identity.ip` and `identity.requestId`.
   */
  describeContext?: (context: TContext) => RequestOrigin;
}

/** What {@link createOperationLimits} returns, to wire into Express and Apollo Server. */
export interface OperationLimits<TContext extends BaseContext> {
  /** The body cap in force, in bytes: the HTTP server refuses a larger `Content-Length` at once. */
  maxBodyBytes: number;
  /** The deepest JSON nesting in force (a body, or a graphql-ws message, is level 1). */
  maxJsonDepth: number;
  /**
   * Express middleware for the GraphQL route, before Apollo: CSRF rule, an unambiguous
   * Content-Type, JSON in well-formed UTF-8 only, bounded nesting, capped body, no batches.
   */
  bodyParser: RequestHandler;
  /**
   * Apollo plugins: refusal codes and events, no field suggestions, one resolvable query or
   * mutation with declared variables only, introspection gate, timeout.
   */
  apolloPlugins: ApolloServerPlugin<TContext>[];
  /** Apollo `validationRules`: depth, aliases, directives and cost (graphql-armor). */
  validationRules: ValidationRule[];
  /** Apollo `parseOptions`: graphql-js stops parsing past the token limit. */
  parseOptions: ParseOptions;
  /**
   * For parse and validation errors found outside Apollo (the subscription socket), typed as
   * Apollo types them: puts each limit refusal's own code on them, strips suggestions, and
   * reports the first refusal as over HTTP; returns its code.
   */
  refuseOperation(
    origin: RequestOrigin,
    errors: readonly GraphQLError[],
  ): OperationLimitCode | undefined;
  /**
   * For an operation resolved outside Apollo (a graphql-ws subscribe): the input checks the
   * HTTP path applies once the operation is resolved (declared variables only, no text a
   * database cannot store).
   * Reports the refusal as over HTTP and returns it; undefined when the input passes.
   */
  refuseInput(origin: RequestOrigin, input: OperationInput): OperationLimitError | undefined;
  /** Wraps the gateway so that a request past its deadline is answered at once. */
  withExecutionTimeout(gateway: GatewayInterface): GatewayInterface;
  /** The request's timeout signal, once execution started; for resolvers and data sources. */
  executionSignal(context: object): AbortSignal | undefined;
}

/**
 * Operation limits (request path step 9): body cap, no batching, CSRF rule, depth, aliases,
 * directives, tokens, cost, introspection only for allowed callers, no field suggestions and
 * an execution timeout. Each refusal has its own `extensions.code` and is reported once.
 *
 * Tokens are capped through Apollo's `parseOptions`, not graphql-armor's max-tokens plugin:
 * that plugin throws from `parsingDidStart`, which Apollo Server 5 answers with a 500.
 */
export function createOperationLimits<TContext extends BaseContext>(
  options: OperationLimitsOptions<TContext>,
): OperationLimits<TContext> {
  const limit = (name: string, value: number | undefined, fallback: number) => {
    const chosen = value ?? fallback;
    if (!Number.isInteger(chosen) || chosen < 1) {
      throw ConfigError.invalid(name, `must be a whole number >= 1, not ${chosen}`);
    }
    return chosen;
  };
  const maxBodyBytes = limit("maxBodyBytes", options.maxBodyBytes, 102_400);
  const maxJsonDepth = limit("maxJsonDepth", options.maxJsonDepth, 32);
  const maxDepth = limit("maxDepth", options.maxDepth, 6);
  const maxAliases = limit("maxAliases", options.maxAliases, 15);
  const maxDirectives = limit("maxDirectives", options.maxDirectives, 50);
  const maxTokens = limit("maxTokens", options.maxTokens, 1000);
  const maxCost = limit("maxCost", options.maxCost, 5000);
  const executionTimeoutMs = limit("executionTimeoutMs", options.executionTimeoutMs, 10_000);

  const report = (event: RefusalEvent) => {
    try {
      options.onRefusal(event);
    } catch {
      // The refusal stands whatever the recorder does.
    }
  };
  const eventType = (code: OperationLimitCode) => `operation_limit.${code.toLowerCase()}`;
  const describe = options.describeContext ?? describeContext;
  const refused: OperationRefused<TContext> = (context, code, reason) =>
    report({ type: eventType(code), reason, ...describe(context) });
  const clientIp = options.clientIp ?? ((req: Request) => req.socket.remoteAddress ?? null);

  const rejectAs = (code: OperationLimitCode): GraphQLArmorCallbackConfiguration => ({
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new OperationLimitError(code, error.message.replace(/^Syntax Error: /, "")),
        ),
    ],
  });
  // One protection per ApolloArmor, so that the rules run (and report) in this order.
  const validationRules = [
    { maxDepth: { n: maxDepth, ...rejectAs(ErrorCode.QueryTooDeep) } },
    // armor lets `__typename` aliases through by default: a hundred of them are a hundred aliases.
    {
      maxAliases: {
        n: maxAliases,
        allowList: [],
        ...rejectAs(ErrorCode.TooManyAliases),
      },
    },
    { maxDirectives: { n: maxDirectives, ...rejectAs(ErrorCode.TooManyDirectives) } },
    { costLimit: { maxCost, ...rejectAs(ErrorCode.QueryTooComplex) } },
  ].flatMap(
    (protection) => new ApolloArmor({ ...armorOff, ...protection }).protect().validationRules,
  );

  const signals: ExecutionSignals = new WeakMap();
  return {
    maxBodyBytes,
    maxJsonDepth,
    bodyParser: createBodyParser({
      maxBodyBytes,
      maxJsonDepth,
      refused: (req: Request, res: Response, error: OperationLimitError) =>
        report({
          type: eventType(error.code),
          reason: error.message,
          ip: clientIp(req),
          requestId: typeof res.locals.requestId === "string" ? res.locals.requestId : null,
        }),
    }),
    apolloPlugins: [
      refusalCodesPlugin(refused),
      operationShapePlugin(),
      introspectionGatePlugin(options.allowIntrospection ?? (() => false)),
      executionTimeoutPlugin(executionTimeoutMs, signals, refused),
    ],
    validationRules,
    parseOptions: { maxTokens },
    refuseOperation: (origin, errors) => {
      const first = typeLimitRefusals(errors);
      if (first) report({ type: eventType(first.code), reason: first.reason, ...origin });
      return first?.code;
    },
    refuseInput: (origin, input) => {
      const refusal = refusalOfOperationInput(input);
      if (refusal) report({ type: eventType(refusal.code), reason: refusal.message, ...origin });
      return refusal;
    },
    withExecutionTimeout: (gateway) => timeGatewayExecution(gateway, signals),
    executionSignal: (context) => signals.get(context),
  };
}

/**
 * Every graphql-armor protection switched off; each is switched on alone above. Tokens are capped
 * by `parseOptions` (see {@link createOperationLimits}); refusalCodesPlugin masks suggestions in
 * every error, enum suggestions included, where armor's plugin covers field suggestions only.
 */
const armorOff: GraphQLArmorConfig = {
  maxDepth: { enabled: false },
  maxAliases: { enabled: false },
  maxDirectives: { enabled: false },
  costLimit: { enabled: false },
  maxTokens: { enabled: false },
  blockFieldSuggestion: { enabled: false },
};

/** The default {@link OperationLimitsOptions.describeContext}: reads well-known context fields. */
function describeContext(context: object): RequestOrigin {
  const fields = context as {
    ip?: unknown;
    requestId?: unknown;
    identity?: { ip?: unknown; requestId?: unknown };
  };
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return {
    ip: text(fields.ip) ?? text(fields.identity?.ip),
    requestId: text(fields.requestId) ?? text(fields.identity?.requestId),
  };
}
