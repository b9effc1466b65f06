import { randomUUID, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { expressMiddleware } from "@as-integrations/express5";
import type { EntityManager } from "@mikro-orm/core";
import express, { type NextFunction, type Request, type Response, type Router } from "express";
import type { GraphQLSchema } from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Logger } from "pino";
import { maskUnexpected, RampartError } from "../errors";
import { checkDependency } from "../health";
import { errorHandler, notFoundHandler, sendError } from "../http";
import {
  AssertionReplayGuard,
  checkOperationBinding,
  IDENTITY_HEADER,
  verifyAssertion,
  type Identity,
  type SubgraphOperation,
  type VerifiedAssertion,
} from "../identity";
import type { IdentityKeyResolver } from "../identity-keys/key-sets";
import { createMetricsEndpoint, createRequestMetrics, type Metrics } from "../metrics";
import type { SubgraphConfig } from "./config";
import type { SubgraphContext, SubgraphRuntime } from "./context";

/** Options for {@link startSubgraphServer}. */
export interface SubgraphServerOptions<
  Config extends SubgraphConfig = SubgraphConfig,
  Services = unknown,
> {
  /** Subgraph name; also the audience its identity assertions must carry. */
  name: string;
  /** Executable subgraph schema. */
  schema: GraphQLSchema;
  /**
   * The gateway's Ed25519 public key, or the verification keys that follow its rotations
   * (`IdentityVerificationKeys`, resolved by the assertion's `kid`).
   */
  identityPublicKey: KeyObject | IdentityKeyResolver;
  /** Root entity manager; forked per request. */
  em: EntityManager;
  /** Shared runtime handed to resolvers. */
  runtime: SubgraphRuntime<Config>;
  /** Subgraph-specific services handed to resolvers. */
  services: Services;
  /** Process logger. */
  logger: Logger;
  /** Dependency checks for `GET /health`, by name. */
  health: Record<string, () => Promise<number>>;
  /** Request metrics, served on `GET /metrics`; none when unset. */
  metrics?: Metrics;
  /** CIDRs that may read `GET /metrics` (`METRICS_ALLOWLIST`). Default loopback. */
  metricsAllowlist?: readonly string[];
  /**
   * The subgraph's own HTTP routes by mount path (e.g. a provider's signed webhook). They are not
   * behind the gateway's identity assertion, so each authenticates its callers itself and reads
   * its own body. Default none.
   */
  routes?: Readonly<Record<string, Router>>;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
}

/** A running subgraph server. */
export interface SubgraphServer {
  /** `http://host:port/graphql`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** Stops accepting requests and drains those in flight. */
  close(): Promise<void>;
}

declare module "express-serve-static-core" {
  interface Locals {
    /** The assertion whose signature was checked, before the body it is bound to is read. */
    assertion?: VerifiedAssertion;
    identity?: Identity;
  }
}

/**
 * Serves a subgraph on `/graphql`, answering only calls that carry a valid identity assertion
 * for this subgraph, bound to the operation they carry and not used before; `GET /health` to
 * anyone and `GET /metrics` to the metrics allowlist.
 */
export async function startSubgraphServer<Config extends SubgraphConfig, Services>(
  options: SubgraphServerOptions<Config, Services>,
): Promise<SubgraphServer> {
  const { name, logger } = options;
  const app = express();
  app.disable("x-powered-by");
  const httpServer = http.createServer(app);
  const requestMetrics =
    options.metrics &&
    createRequestMetrics({
      metrics: options.metrics,
      logger,
      requestId: (_req, res) => res.locals.identity?.requestId,
    });
  if (requestMetrics) app.use(requestMetrics.middleware);

  const apollo = new ApolloServer<SubgraphContext<Config, Services>>({
    schema: options.schema,
    introspection: false,
    includeStacktraceInErrorResponses: false,
    // The process's Lifecycle owns SIGINT/SIGTERM and drains every resource in order. Apollo's
    // own handler would stop the server and then re-raise the signal, killing the process
    // before background work (delivery jobs) has drained.
    stopOnTerminationSignals: false,
    // Clients talk to the gateway; a subgraph answers GraphQL without landing pages.
    plugins: [
      ...(requestMetrics ? [requestMetrics.plugin] : []),
      answerExecutedOperationsWith200(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
    ],
    logger,
    formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
  });
  await apollo.start();

  app.get("/health", async (_req, res) => {
    const checks = Object.fromEntries(
      await Promise.all(
        Object.entries(options.health).map(
          async ([dep, ping]) => [dep, await checkDependency(ping)] as const,
        ),
      ),
    );
    const up = Object.values(checks).every((check) => check.status === "up");
    res.status(up ? 200 : 503).json({ service: name, status: up ? "up" : "down", checks });
  });
  if (options.metrics) {
    // The socket's peer decides: only the gateway and scrapers reach a subgraph directly.
    app.get(
      "/metrics",
      createMetricsEndpoint({
        metrics: options.metrics,
        allowlist: options.metricsAllowlist,
        logger,
      }),
    );
  }

  const replayGuard = new AssertionReplayGuard(options.runtime.stores.kv, name);
  const refuse = (req: Request, res: Response, next: NextFunction, error: unknown) => {
    if (!(error instanceof RampartError)) return next(error);
    logger.warn({ reason: error.message, ip: req.socket.remoteAddress }, "refused subgraph call");
    sendError(res, error);
  };
  // The signature first, so no body is parsed for a caller without a valid assertion.
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.assertion = await verifyAssertion(
        req.get(IDENTITY_HEADER),
        name,
        options.identityPublicKey,
      );
      next();
    } catch (error) {
      refuse(req, res, next, error);
    }
  };
  // Then the parsed body against the assertion's binding, then single use.
  const bindAndConsume = async (req: Request, res: Response, next: NextFunction) => {
    try {
      const assertion = res.locals.assertion as VerifiedAssertion;
      // The gateway only POSTs; a GET's operation (in the URL) is not what assertions bind.
      if (req.method !== "POST") {
        throw RampartError.unauthenticated("Gateway identity assertions are accepted on POST.");
      }
      checkOperationBinding(assertion, operationOf(req.body));
      await replayGuard.consume(assertion);
      res.locals.identity = assertion.identity;
      next();
    } catch (error) {
      refuse(req, res, next, error);
    }
  };

  app.use(
    "/graphql",
    authenticate,
    express.json({ limit: "1mb" }),
    bindAndConsume,
    expressMiddleware(apollo, {
      context: async ({ res }) => {
        const identity = res.locals.identity as Identity;
        return {
          identity,
          em: options.em.fork(),
          log: logger.child({ requestId: identity.requestId }),
          runtime: options.runtime,
          services: options.services,
        };
      },
    }),
  );
  for (const [path, router] of Object.entries(options.routes ?? {})) app.use(path, router);
  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  const subscriptions = serveSubscriptions(httpServer, options);

  await new Promise<void>((resolve) =>
    httpServer.listen(options.port, options.host ?? "127.0.0.1", resolve),
  );
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${port}/graphql`;
  logger.info({ url }, `${name} subgraph ready`);
  return {
    url,
    port,
    close: async () => {
      // Upgraded sockets are not the HTTP server's to drain: close them first.
      await subscriptions.dispose();
      await apollo.stop();
    },
  };
}

/**
 * Serves graphql-ws on `/graphql` of the same port. `connection_init` must carry an identity
 * assertion for this subgraph in `connectionParams["rampart-identity"]`, not used before (the
 * gateway signs one per upstream socket, which carries one subscription); otherwise the socket
 * closes with 4401. Each `subscribe` payload must be the operation the assertion is bound to,
 * else it is refused with UNAUTHENTICATED. Each subscription gets its own entity manager,
 * cleared after every event so a long-lived subscription reads fresh rows.
 */
function serveSubscriptions<Config extends SubgraphConfig, Services>(
  httpServer: http.Server,
  options: SubgraphServerOptions<Config, Services>,
) {
  const { name, logger } = options;
  // Messages capped like HTTP bodies (1 MB), before the identity is even checked.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: "/graphql",
    maxPayload: 1024 * 1024,
  });
  // Per socket: the function that marks each running subscription ended (the metrics gauge).
  const running = new WeakMap<object, Map<string, () => void>>();
  const replayGuard = new AssertionReplayGuard(options.runtime.stores.kv, name);
  return useServer<
    Record<string, unknown> | undefined,
    { identity: Identity; assertion: VerifiedAssertion }
  >(
    {
      schema: options.schema,
      // The gateway is the only client; under a burst of subscriptions it may be slow to init.
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        try {
          const presented = ctx.connectionParams?.[IDENTITY_HEADER];
          const assertion = await verifyAssertion(
            typeof presented === "string" ? presented : undefined,
            name,
            options.identityPublicKey,
          );
          await replayGuard.consume(assertion);
          ctx.extra.assertion = assertion;
          ctx.extra.identity = assertion.identity;
          return true;
        } catch (error) {
          logger.warn(
            { reason: (error as Error).message, ip: ctx.extra.request.socket.remoteAddress },
            "refused subgraph socket",
          );
          ctx.extra.socket.close(CloseCode.Unauthorized, "Unauthorized");
          return false;
        }
      },
      // The assertion came before the operation: each subscribe must be the one it is bound to.
      onSubscribe: (ctx, _id, payload) => {
        try {
          // Set by onConnect before graphql-ws lets any subscribe through.
          checkOperationBinding(ctx.extra.assertion as VerifiedAssertion, payload);
          return undefined;
        } catch (error) {
          if (!(error instanceof RampartError)) throw error;
          logger.warn(
            { reason: error.message, ip: ctx.extra.request.socket.remoteAddress },
            "refused subgraph subscription",
          );
          return [error];
        }
      },
      // Runs only after onConnect accepted the socket, so the identity is set.
      context: (ctx): SubgraphContext<Config, Services> => ({
        identity: ctx.extra.identity as Identity,
        em: options.em.fork(),
        log: logger.child({ requestId: (ctx.extra.identity as Identity).requestId }),
        runtime: options.runtime,
        services: options.services,
      }),
      onOperation: (ctx, id, _payload, _args, result) => {
        if (!options.metrics || !(Symbol.asyncIterator in Object(result))) return;
        const ends = running.get(ctx) ?? new Map<string, () => void>();
        running.set(ctx, ends);
        ends.set(id, options.metrics.subscriptionOpened());
      },
      // Also called for each subscription when its socket closes.
      onComplete: (ctx, id) => {
        running.get(ctx)?.get(id)?.();
        running.get(ctx)?.delete(id);
      },
      onNext: (_ctx, _id, _payload, args, result) => {
        (args.contextValue as SubgraphContext).em.clear();
        if (!result.errors) return undefined;
        return {
          ...result,
          errors: result.errors.map((error) => maskUnexpected(error.toJSON(), error, logger)),
        };
      },
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => maskUnexpected(error.toJSON(), error, logger)),
    },
    wsServer,
  );
}

/**
 * An executed operation is answered 200 even when a resolver refused (its error code may carry
 * an HTTP status): the gateway reads the errors and decides the client's status, while a non-2xx
 * would make it discard the subgraph's typed errors.
 */
function answerExecutedOperationsWith200(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind === "single" && "data" in response.body.singleResult)
            response.http.status = 200;
        },
      };
    },
  };
}

/** The operation of a parsed GraphQL-over-HTTP body; anything but an object binds nothing. */
function operationOf(body: unknown): SubgraphOperation {
  return typeof body === "object" && body !== null && !Array.isArray(body)
    ? (body as SubgraphOperation)
    : {};
}

/** A fresh request id for calls that arrive without one. */
export const newRequestId = (): string => randomUUID();
