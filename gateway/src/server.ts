import { randomUUID } from "node:crypto";
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
  createMemoryStores,
  createMetrics,
  createMetricsEndpoint,
  createRefusalSink,
  createRequestMetrics,
  createStores,
  errorHandler,
  isSuperAdminIdentity,
  Lifecycle,
  loadOrCreateDevKeyPair,
  maskUnexpected,
  notFoundHandler,
  privateKeyFromPem,
  SessionStore,
  startProcessRecorder,
  type Identity,
  type Logger,
  type Refusal,
  type SecurityEventInput,
  type Stores,
} from "@rampart/kit";
import express, { type NextFunction, type Request, type Response } from "express";
import { createSessionTokenVerifier } from "./auth/session-token";
import type { GatewayConfig } from "./config";
import type { GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { IdentityDataSource } from "./identity-data-source";
import { createErrorStatusPlugin } from "./perimeter/error-status";
import { createClientIpMiddleware, createClientIpResolver } from "./perimeter/client-ip";
import { createCors } from "./perimeter/cors";
import { createIpAllowlist } from "./perimeter/ip-allowlist";
import { createLockdown } from "./perimeter/lockdown";
import { createOperationLimits } from "./perimeter/operation-limits";
import { createRateLimit } from "./perimeter/rate-limit";
import { createSecurityHeaders, securityHeaderValues } from "./perimeter/security-headers";
import { createHttpServer } from "./perimeter/http-server";
import { createCallerAdmission } from "./perimeter/admit-caller";
import { createSubscriptionServer } from "./subscriptions";
import { SubscriptionPlanner } from "./subscriptions/planner";
import { SharedExecutions } from "./subscriptions/shared-executions";

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

/** The public key that verifies session tokens, per the configured mode. */
function sessionTokenKeys(config: GatewayConfig): { jwtKey?: string; secretKey?: string } {
  switch (config.tokenVerification.kind) {
    case "jwt-key":
      return { jwtKey: config.tokenVerification.publicKeyPem };
    case "jwks":
      return { secretKey: config.tokenVerification.secretKey };
    case "dev-issuer":
      return { jwtKey: loadOrCreateDevKeyPair(config.dataDir, "dev-issuer-rsa").publicKeyPem };
  }
}

/**
 * Calls `log` at most once per `intervalMs`, with how many calls it stood for (this one
 * and those skipped since the last log) and this call's arguments.
 */
function throttledLog(
  intervalMs: number,
  log: (count: number, error: unknown, requestId?: string) => void,
): (error: unknown, requestId?: string) => void {
  let last = -Infinity;
  let skipped = 0;
  return (error, requestId) => {
    const now = performance.now();
    if (now - last < intervalMs) {
      skipped++;
      return;
    }
    last = now;
    const count = skipped + 1;
    skipped = 0;
    log(count, error, requestId);
  };
}

/** Content-Security-Policy of the admin profile, which will also serve the admin UI. */
const adminUiContentSecurityPolicy = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
  "frame-ancestors": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
} as const;

/**
 * Starts the gateway. The request path (DESIGN.md): request id and security headers, CORS,
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
    const record = (event: SecurityEventInput) =>
      void securityEvents
        .record(event)
        .catch((error: unknown) =>
          logger.error(
            { err: error, requestId: event.requestId },
            "could not record security event",
          ),
        );
    // Every refusal goes through one sink: what the client sent is cut and cleaned, and a
    // flood costs one event per (type, IP) and minute plus one that counts the rest.
    const refusals = createRefusalSink({
      recorder: securityEvents,
      onError: (error, event) =>
        logger.error({ err: error, requestId: event.requestId }, "could not record security event"),
    });
    const refuse = (event: Refusal) => refusals.refuse(event);
    const refusal =
      (severity: SecurityEventInput["severity"]) =>
      (event: {
        type: string;
        reason: string;
        ip: string | null;
        requestId: string | null;
        organizationId?: string | null;
      }) =>
        refuse({ ...event, severity });

    const sessions = new SessionStore(stores, config.sessionPolicy);
    const clientIp = createClientIpResolver({ trustedProxies: config.trustedProxies });
    // One registry per process; subscriptions report with metrics.subscriptionOpened().
    const metrics = createMetrics({ service: `gateway-${config.profile}` });
    const requestMetrics = createRequestMetrics({ metrics, logger, clientIp });
    const ipAllowlist = createIpAllowlist({
      stores,
      enforce: config.enforceIpAllowlist,
      bootstrap: config.ipAllowlistBootstrap,
      logger,
      onRefusal: refusal("medium"),
    });
    await ipAllowlist.ready();
    lifecycle.onShutdown("ip-allowlist", () => ipAllowlist.close());
    // Degraded mode (main profile): anonymous requests go on under this replica's own limits
    // while the shared limiter is down; counted in /metrics, logged at most once a second.
    const degraded = config.degradedAnonymousReads ? createMemoryStores() : undefined;
    if (degraded) lifecycle.onShutdown("degraded-rate-limits", () => degraded.close());
    const logDegraded = throttledLog(1_000, (count, error) =>
      logger.warn(
        { err: error, count },
        "shared stores unavailable: anonymous requests served under per-replica rate limits (degraded mode)",
      ),
    );
    const logRateLimitFailure = throttledLog(1_000, (count, error, requestId) =>
      logger.error({ err: error, count, requestId }, "rate limiting failed"),
    );
    const rateLimit = createRateLimit({
      limiter: stores.rateLimiter,
      budgets: config.rateLimits,
      keyPrefix: `gateway:${config.profile}`,
      ipv6PrefixLength: config.rateLimitIpv6PrefixLength,
      onRefusal: refuse,
      onError: (error, { requestId }) => logRateLimitFailure(error, requestId),
      ...(degraded && {
        degraded: {
          limiter: degraded.rateLimiter,
          onDegraded: (_identity, error) => {
            metrics.recordDegraded("anonymous-memory-rate-limit");
            logDegraded(error);
          },
        },
      }),
    });
    const admitCaller = createCallerAdmission({
      verifySessionToken: createSessionTokenVerifier({
        ...sessionTokenKeys(config),
        issuer: config.issuer,
        authorizedParties: config.authorizedParties,
      }),
      sessions,
      rateLimit,
      ipAllowlist,
      record,
      refuse,
      logger,
    });
    const isSuperAdmin = (identity: Identity) =>
      isSuperAdminIdentity(identity, config.superAdminOrganizationId);
    const lockdown = createLockdown({
      stores,
      profile: config.profile,
      mainMode: config.lockdownMainMode,
      isSuperAdmin,
      onRefusal: ({ type, reason, identity }) =>
        refuse({
          type,
          severity: "high",
          actorId: identity.userId,
          organizationId: identity.organizationId,
          ip: identity.ip,
          reason,
          requestId: identity.requestId,
        }),
      logger,
    });
    await lockdown.start();
    lifecycle.onShutdown("lockdown", () => lockdown.close());
    const limits = createOperationLimits<GatewayContext>({
      onRefusal: refusal("medium"),
      clientIp,
      allowIntrospection: ({ identity }) =>
        config.introspection === "everyone" ||
        (config.introspection === "superadmin" &&
          config.profile === "admin" &&
          isSuperAdmin(identity)),
    });

    const identityKey = privateKeyFromPem(
      config.identityPrivateKeyPem ??
        loadOrCreateDevKeyPair(config.dataDir, "identity-ed25519").privateKeyPem,
    );
    const supergraphSdl = fs.readFileSync(config.supergraphPath, "utf8");
    const dataSources = new Map<string, IdentityDataSource>();
    const gateway = new ApolloGateway({
      supergraphSdl,
      buildService: ({ name, url }) => {
        const dataSource = new IdentityDataSource({
          name,
          url: config.subgraphUrls[name as keyof GatewayConfig["subgraphUrls"]] ?? url ?? "",
          privateKey: identityKey,
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
    const securityHeaders =
      config.profile === "admin" ? { contentSecurityPolicy: adminUiContentSecurityPolicy } : {};
    const httpServer = createHttpServer(app, {
      maxBodyBytes: limits.maxBodyBytes,
      responseHeaders: securityHeaderValues(securityHeaders),
      clientIp,
      onRefusal: refusal("medium"),
    });
    const apollo = new ApolloServer<GatewayContext>({
      gateway: limits.withExecutionTimeout(gateway),
      // The per-request gate is in the operation limits; false here would refuse superadmins too.
      introspection: true,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      hideSchemaDetailsFromClientErrors: true,
      includeStacktraceInErrorResponses: false,
      validationRules: limits.validationRules,
      parseOptions: limits.parseOptions,
      plugins: [
        requestMetrics.plugin,
        ApolloServerPluginDrainHttpServer({ httpServer }),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginCacheControl({ calculateHttpHeaders: false }),
        rateLimit.plugin,
        lockdown.plugin,
        ...limits.apolloPlugins,
        createErrorStatusPlugin(),
      ],
      // Every public code is in kit's ErrorCode map; anything else is masked.
      formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
      // Apollo's own warnings as JSON lines too, not console text.
      logger,
    });
    await apollo.start();
    lifecycle.onShutdown("apollo", () => apollo.stop());

    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.locals.requestId = randomUUID();
      res.setHeader("x-request-id", res.locals.requestId as string);
      next();
    });
    app.use(requestMetrics.middleware);
    app.use(createSecurityHeaders(securityHeaders));
    app.use(
      createCors({
        allowedOrigins: config.allowedOrigins,
        onRefusal: refusal("medium"),
        clientIp,
        setting: config.profile === "admin" ? "ADMIN_ORIGINS" : "STOREFRONT_ORIGINS",
      }),
    );
    app.use(createClientIpMiddleware(clientIp));
    // Before the admin IP allowlist, on purpose: /metrics answers to METRICS_ALLOWLIST alone
    // (same client IP, TRUSTED_PROXIES applied), so a scraper needs no right to the admin API
    // and an allowlisted admin network does not get metrics unless listed there too.
    app.get(
      "/metrics",
      createMetricsEndpoint({
        metrics,
        allowlist: config.metricsAllowlist,
        clientIp,
        onRefusal: refusal("low"),
        logger,
      }),
    );
    app.use(ipAllowlist.middleware());
    app.get("/health", async (_req, res) => {
      const subgraphs = await checkSubgraphs(config.subgraphUrls);
      const up = Object.values(subgraphs).every((s) => s.status === "up");
      res
        .status(up ? 200 : 503)
        .json({ status: up ? "up" : "down", profile: config.profile, subgraphs });
    });
    app.use(
      "/graphql",
      limits.bodyParser,
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          const { identity, ip, budget } = await admitCaller({
            authorization: req.get("authorization"),
            userAgent: req.get("user-agent"),
            ip: res.locals.clientIp as string,
            requestId: res.locals.requestId as string,
          });
          return { identity, ip, budget };
        },
      }),
    );
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
        admitCaller,
        sessions,
        sessionPolicy: config.sessionPolicy,
        stores,
        clientIp,
        ipAllowlist,
        enforceIpAllowlist: config.enforceIpAllowlist,
        allowedOrigins: config.allowedOrigins,
        rateLimit,
        lockdown,
        isSuperAdmin,
        requireSecondFactor: config.adminRequiresSecondFactor,
        validationRules: limits.validationRules,
        parseOptions: limits.parseOptions,
        refuseOperation: limits.refuseOperation,
        record: refuse,
        onRefusal: (code) => metrics.recordRefusals([code]),
        logger,
      });
      lifecycle.onShutdown("subscriptions", () => subscriptions.close());
    }

    // Registered last, so closed first: the open windows' counts reach the recorder (and its
    // spool) before anything that may wait on the stores, such as a pub/sub unsubscribe
    // while Redis is down. Refusals after it are recorded one by one.
    lifecycle.onShutdown("refusal-events", () => refusals.close());
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
