/**
 * A tiny gateway-shaped server for the perimeter tests (security headers, CORS, operation
 * limits), wired the way the gateway wires them: request id, headers, CORS, health, then on
 * /graphql the body parser and Apollo Server over a gateway; 404 and error handlers last.
 * The "gateway" executes a local recursive schema with graphql-js.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { ApolloServer, type BaseContext } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import { createLogger, errorHandler, maskUnexpected, notFoundHandler } from "@rampart/kit";
import express from "express";
import {
  buildSchema,
  execute,
  printSchema,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from "graphql";
import { createCors, type RefusalEvent as CorsRefusal } from "../../src/perimeter/cors";
import { createErrorStatusPlugin } from "../../src/perimeter/error-status";
import {
  createOperationLimits,
  type GatewayInterface,
  type OperationLimits,
  type OperationLimitsOptions,
  type RefusalEvent as LimitRefusal,
} from "../../src/perimeter/operation-limits";
import {
  createSecurityHeaders,
  type SecurityHeadersOptions,
} from "../../src/perimeter/security-headers";

/** The origin the test app allows. */
export const allowedOrigin = "https://admin.example.com";

/** Per-request context, shaped like the gateway's. */
export interface TestContext extends BaseContext {
  readonly ip: string | null;
  readonly requestId: string;
  /** From the `x-test-role` header: `superadmin` may introspect. */
  readonly role: string | null;
}

/** A running test app. */
export interface PerimeterApp {
  /** `http://127.0.0.1:port`. */
  readonly origin: string;
  /** `${origin}/graphql`. */
  readonly url: string;
  /** Every refusal reported, in order. */
  readonly refusals: (CorsRefusal | LimitRefusal)[];
  /** How many times the `bump` mutation ran. */
  mutations(): number;
  /** The operation limits in use. */
  readonly limits: OperationLimits<TestContext>;
  close(): Promise<void>;
}

const sdl = /* GraphQL */ `
  type Query {
    hello: String
    node: Node
    nodes(first: Int): [Node!]
    color(of: Color): Color
    "Waits ms milliseconds, stopping when the request's timeout signal fires."
    slow(ms: Int!): String
    "Waits ms milliseconds, ignoring the timeout signal."
    unyielding(ms: Int!): String
  }
  type Node {
    id: ID!
    name: String
    child: Node
  }
  enum Color {
    RED
    GREEN
    BLUE
  }
  type Mutation {
    bump: Int
  }
`;

/** A stand-in for `ApolloGateway`: the same interface, executing a local schema. */
function localGateway(schema: GraphQLSchema, rootValue: object): GatewayInterface {
  let announce: ((schemaContext: {
    apiSchema: GraphQLSchema;
    coreSupergraphSdl: string;
  }) => void)[] = [];
  return {
    onSchemaLoadOrUpdate(callback) {
      announce.push(callback);
      return () => (announce = announce.filter((listener) => listener !== callback));
    },
    async load() {
      for (const listener of announce) {
        listener({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      }
      return {
        executor: async ({ document, request, context }) =>
          execute({
            schema,
            document,
            rootValue,
            contextValue: context,
            variableValues: request.variables,
            operationName: request.operationName,
          }),
      };
    },
    async stop() {},
  };
}

/** Starts the app on a free port. */
export async function startPerimeterApp(
  options: {
    limits?: Partial<OperationLimitsOptions<TestContext>>;
    headers?: SecurityHeadersOptions;
    maxAgeSeconds?: number;
    /** Serve the schema directly instead of through a gateway (no executor to race). */
    withoutGateway?: boolean;
  } = {},
): Promise<PerimeterApp> {
  const logger = createLogger({ service: "perimeter-test", level: "silent" });
  const refusals: (CorsRefusal | LimitRefusal)[] = [];
  const onRefusal = (event: CorsRefusal | LimitRefusal) => refusals.push(event);
  let mutations = 0;

  const limits = createOperationLimits<TestContext>({
    allowIntrospection: (context) => context.role === "superadmin",
    ...options.limits,
    onRefusal,
  });
  const node = { id: "n1", name: "node", child: () => node };
  const rootValue = {
    hello: () => "world",
    node: () => node,
    nodes: ({ first }: { first?: number }) =>
      Array.from({ length: Math.min(first ?? 1, 3) }, () => node),
    color: ({ of }: { of?: string }) => of ?? null,
    slow: async ({ ms }: { ms: number }, context: TestContext) => {
      await sleep(ms, undefined, { signal: limits.executionSignal(context) });
      return "done";
    },
    unyielding: async ({ ms }: { ms: number }) => {
      // Unreferenced, so work left running after a timeout does not hold the test process.
      await sleep(ms, undefined, { ref: false });
      return "done";
    },
    bump: () => ++mutations,
  };

  const app = express();
  const httpServer = http.createServer(app);
  const schema = buildSchema(sdl);
  const settings = {
    // Introspection is decided per request by the operation limits, not for everyone here.
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: true,
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      createErrorStatusPlugin(),
      ...limits.apolloPlugins,
    ],
    // As the gateway: every public code is in kit's ErrorCode map.
    formatError: (formatted: GraphQLFormattedError, error: unknown) =>
      maskUnexpected(formatted, error, logger),
    logger,
  };
  const apollo = options.withoutGateway
    ? new ApolloServer<TestContext>({ ...settings, schema, rootValue })
    : new ApolloServer<TestContext>({
        ...settings,
        gateway: limits.withExecutionTimeout(localGateway(schema, rootValue)),
      });
  await apollo.start();

  app.use((_req, res, next) => {
    res.locals.requestId = randomUUID();
    res.setHeader("x-request-id", res.locals.requestId as string);
    next();
  });
  app.use(createSecurityHeaders(options.headers));
  app.use(
    createCors({
      allowedOrigins: [allowedOrigin],
      maxAgeSeconds: options.maxAgeSeconds,
      onRefusal,
      setting: "ADMIN_ORIGINS",
    }),
  );
  app.get("/health", (_req, res) => {
    res.json({ status: "up" });
  });
  // A handler that fails, for the headers of the last-resort error answer.
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.use(
    "/graphql",
    limits.bodyParser,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        ip: req.socket.remoteAddress ?? null,
        requestId: res.locals.requestId as string,
        role: req.get("x-test-role") ?? null,
      }),
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler(logger));

  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}/graphql`,
    refusals,
    mutations: () => mutations,
    limits,
    close: () => apollo.stop(),
  };
}

/** A response, its parsed JSON body (if any) and the `extensions.code`s in it. */
export interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  text: string;
  codes: string[];
}

/** Sends a request and reads the answer. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: Answer["body"] = null;
  try {
    body = JSON.parse(text) as Answer["body"];
  } catch {
    body = null;
  }
  return {
    status: response.status,
    headers: response.headers,
    body,
    text,
    codes: (body?.errors ?? []).map((error) => error.extensions?.code ?? ""),
  };
}

/** POSTs a GraphQL operation as JSON. */
export function postOperation(
  url: string,
  query: string,
  extra: { variables?: Record<string, unknown>; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return send(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...extra.headers },
    body: JSON.stringify({ query, variables: extra.variables }),
  });
}
