import { createPublicKey } from "node:crypto";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import {
  createLogger,
  createMetrics,
  createMetricsEndpoint,
  createRequestMetrics,
  errorHandler,
  Lifecycle,
  loadOrCreateDevKeyPair,
  maskUnexpected,
  notFoundHandler,
  IdentitySigningKeys,
  privateKeyFromPem,
  watchIdentityKeyRing,
  startProcessRecorder,
  type Logger,
} from "@rampart/kit";
import { createStores, type Stores } from "@rampart/kit/stores";
import express from "express";
import type { GatewayConfig } from "./config";
import type { GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { IdentityDataSource } from "./identity-data-source";
import { createPerimeter } from "./perimeter";
import { createHttpPerimeter } from "./perimeter/http";
import { createSocketPerimeter } from "./perimeter/socket";
import { createSubgraphClient } from "./subgraph-client";
import { createSubscriptionServer } from "./subscriptions";
import { SubscriptionPlanner } from "./subscriptions/planner";
import { SharedExecutions } from "./subscriptions/shared-executions";
import { createWebFaces, dashboardContentSecurityPolicy } from "./web";

/** A running gateway. */
export interface Gateway {
  /** `http://host:port/graphql`. */
  readonly url: string;
  readonly port: number;
  readonly logger: Logger;
  readonly stores: Stores;
  /** Drains requests, stops the gateway and closes its stores. */
  close(): Promise<void>;
}

/**
 * Starts the gateway. The request path (docs/architecture.md): request id and security headers, CORS,
 * client IP, IP allowlist, then body limits; in Apollo: authentication and session, rate limits,
 * operation limits, lockdown, query planning with signed identities. Every refusal is recorded.
 */
export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  const logger = createLogger({ service: `gateway-${config.profile}`, level: config.logLevel });
  const lifecycle = new Lifecycle(logger);
  try {
    const stores = createStores({
      redisUrl: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      sharedMemorySocket: config.sharedMemorySocket,
    });
    lifecycle.onShutdown("stores", () => stores.close());
    if (stores.kind === "memory") {
      logger.warn(
        config.sharedMemorySocket
          ? "REDIS_URL is unset: using the launcher's shared in-memory stores (development only)"
          : "REDIS_URL is unset: using in-memory stores (single process, development only)",
      );
    }
    if (config.tokenVerification.kind === "dev-issuer") {
      logger.warn(
        "Clerk is not configured: accepting tokens from the local development issuer (npm run dev-token)",
      );
    }
    const securityEvents = startProcessRecorder(stores.events, {
      dataDir: config.dataDir,
      service: `gateway-${config.profile}`,
      logger,
    });
    // One registry per process; subscriptions report with metrics.subscriptionOpened().
    const metrics = createMetrics({ service: `gateway-${config.profile}` });
    const perimeter = await createPerimeter({
      config,
      stores,
      securityEvents,
      metrics,
      lifecycle,
      logger,
    });
    const requestMetrics = createRequestMetrics({ metrics, logger, clientIp: perimeter.clientIp });
    const httpPerimeter = createHttpPerimeter(perimeter, {
      allowedOrigins: config.allowedOrigins,
      originsSetting: config.profile === "admin" ? "ADMIN_ORIGINS" : "STOREFRONT_ORIGINS",
      securityHeaders:
        config.profile === "admin"
          ? { contentSecurityPolicy: dashboardContentSecurityPolicy(config.clerkFrontendApi) }
          : {},
      observe: requestMetrics.middleware,
    });

    const identityAnchor = privateKeyFromPem(
      config.identityPrivateKeyPem ??
        loadOrCreateDevKeyPair(config.dataDir, "identity-ed25519").privateKeyPem,
    );
    // Rotated keys (`rampart keys rotate identity`) are signed with from their activation on,
    // without a restart; until then, and whenever the ring cannot be read, the configured key.
    const identityKey = new IdentitySigningKeys(identityAnchor);
    const identityKeyRing = watchIdentityKeyRing({
      stores,
      anchorPublicKey: createPublicKey(identityAnchor),
      onRing: (ring) =>
        identityKey.update(ring, (kid) =>
          logger.error({ kid }, "a rotated identity key does not unseal with the configured key"),
        ),
      logger,
    });
    await identityKeyRing.ready();
    lifecycle.onShutdown("identity key ring", () => identityKeyRing.close());
    const supergraphSdl = fs.readFileSync(config.supergraphPath, "utf8");
    const subgraphClient = createSubgraphClient();
    lifecycle.onShutdown("subgraph-client", () => subgraphClient.close());
    const dataSources = new Map<string, IdentityDataSource>();
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) => {
        const dataSource = new IdentityDataSource({
          name,
          url: config.subgraphUrls[name as keyof GatewayConfig["subgraphUrls"]] ?? url ?? "",
          privateKey: identityKey,
          fetcher: subgraphClient.fetcher,
        });
        dataSources.set(name, dataSource);
        return dataSource;
      },
      logger,
      // The `apollo-query-plan-experimental` header would hand any caller the query plan.
      __exposeQueryPlanExperimental: config.nodeEnv === "development",
    });

    const app = express();
    app.disable("x-powered-by");
    app.disable("etag");
    const httpServer = httpPerimeter.createServer(app);
    const apollo = new ApolloServer<GatewayContext>({
      gateway: perimeter.limits.withExecutionTimeout(gateway),
      // The per-request gate is in the operation limits; false here would refuse superadmins too.
      introspection: true,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      hideSchemaDetailsFromClientErrors: true,
      includeStacktraceInErrorResponses: false,
      validationRules: perimeter.limits.validationRules,
      parseOptions: perimeter.limits.parseOptions,
      plugins: [
        requestMetrics.plugin,
        ApolloServerPluginDrainHttpServer({ httpServer }),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
        ...httpPerimeter.apolloPlugins,
      ],
      // Every public code is in kit's ErrorCode map; anything else is masked.
      formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
      // Apollo's own warnings as JSON lines too, not console text.
      logger,
    });
    await apollo.start();
    lifecycle.onShutdown("apollo", () => apollo.stop());

    app.use(...httpPerimeter.head);
    // Before the IP allowlist, on purpose: /metrics answers to METRICS_ALLOWLIST alone (same
    // client IP, TRUSTED_PROXIES applied), so a scraper needs no right to the admin API and an
    // allowlisted admin network does not get metrics unless listed there too.
    app.get(
      "/metrics",
      createMetricsEndpoint({
        metrics,
        allowlist: config.metricsAllowlist,
        clientIp: perimeter.clientIp,
        onRefusal: (refusal) => perimeter.refuse({ ...refusal, severity: "low" }),
        logger,
      }),
    );
    app.use(...httpPerimeter.guard);
    app.get("/health", async (_req, res) => {
      const subgraphs = await checkSubgraphs(config.subgraphUrls);
      const up = Object.values(subgraphs).every((s) => s.status === "up");
      res
        .status(up ? 200 : 503)
        .json({ status: up ? "up" : "down", profile: config.profile, subgraphs });
    });
    app.use(
      "/graphql",
      httpPerimeter.bodyParser,
      expressMiddleware(apollo, { context: httpPerimeter.context }),
    );
    // GraphiQL, and on admin the dashboard and its development sign-in: behind the guard.
    app.use(createWebFaces(config));
    app.use(notFoundHandler);
    app.use(errorHandler(logger));

    // Live subscriptions are an admin feature: the main profile's contract has none.
    if (config.profile === "admin") {
      const planner = new SubscriptionPlanner(supergraphSdl);
      const subscriptions = await createSubscriptionServer({
        httpServer,
        planner,
        executions: new SharedExecutions({
          planner,
          services: Object.fromEntries(dataSources),
          subgraphUrls: config.subgraphUrls,
          privateKey: identityKey,
          logger,
          onSubscriptionStarted: () => metrics.subscriptionOpened(),
        }),
        perimeter,
        sockets: createSocketPerimeter(perimeter, {
          requireSecondFactor: config.adminRequiresSecondFactor,
          sessionPolicy: config.sessionPolicy,
          pubsub: stores.pubsub,
          logger,
          onRefusal: (code) => metrics.recordRefusals([code]),
        }),
        onRefusal: (code) => metrics.recordRefusals([code]),
        logger,
      });
      lifecycle.onShutdown("subscriptions", () => subscriptions.close());
    }

    // Registered last, so closed first: the open windows' refusal counts reach the recorder
    // (and its spool) before anything that may wait on the stores.
    lifecycle.onShutdown("refusal-events", () => perimeter.close());
    await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
    const { port } = httpServer.address() as AddressInfo;
    const url = `http://${config.host}:${port}/graphql`;
    logger.info({ url, profile: config.profile }, "gateway ready");
    return { url, port, logger, stores, close: () => lifecycle.shutdown() };
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}
