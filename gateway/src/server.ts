import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { expressMiddleware } from "@as-integrations/express5";
import {
  createLogger,
  createStores,
  errorHandler,
  isSuperAdminIdentity,
  Lifecycle,
  loadOrCreateDevKeyPair,
  maskUnexpected,
  notFoundHandler,
  privateKeyFromPem,
  SecurityEventRecorder,
  SessionStore,
  type Logger,
  type Stores,
} from "@rampart/kit";
import express, { type NextFunction, type Request, type Response } from "express";
import { createSessionTokenVerifier } from "./auth/session-token";
import type { GatewayConfig } from "./config";
import type { GatewayContext } from "./context";
import { checkSubgraphs } from "./health";
import { IdentityDataSource } from "./identity-data-source";
import { createAuthentication } from "./plugins/authentication";
import { createErrorStatusPlugin } from "./plugins/error-status";
import { createLockdown } from "./plugins/lockdown";

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

/** Starts the gateway: authentication, identity signing, query planning, health. */
export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  const logger = createLogger({ service: "gateway", level: config.logLevel });
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
    const securityEvents = new SecurityEventRecorder(stores.events);
    const authenticate = createAuthentication({
      sessions: new SessionStore(stores, config.sessionPolicy),
      verifySessionToken: createSessionTokenVerifier({
        ...sessionTokenKeys(config),
        issuer: config.issuer,
        authorizedParties: config.authorizedParties,
      }),
      securityEvents,
      logger,
    });

    const lockdown = createLockdown({
      stores,
      profile: config.profile,
      mainMode: config.lockdownMainMode,
      isSuperAdmin: (identity) => isSuperAdminIdentity(identity, config.superAdminOrganizationId),
      onRefusal: ({ type, reason, identity }) =>
        void securityEvents
          .record({
            type,
            severity: "high",
            actorId: identity.userId,
            organizationId: identity.organizationId,
            ip: identity.ip,
            reason,
            requestId: identity.requestId,
          })
          .catch((error: unknown) =>
            logger.error({ err: error }, "could not record security event"),
          ),
      logger,
    });
    await lockdown.start();
    lifecycle.onShutdown("lockdown", () => lockdown.close());

    const identityKey = privateKeyFromPem(
      config.identityPrivateKeyPem ??
        loadOrCreateDevKeyPair(config.dataDir, "identity-ed25519").privateKeyPem,
    );
    const gateway = new ApolloGateway({
      supergraphSdl: fs.readFileSync(config.supergraphPath, "utf8"),
      buildService: ({ name, url }) =>
        new IdentityDataSource({
          name,
          url: config.subgraphUrls[name as keyof GatewayConfig["subgraphUrls"]] ?? url ?? "",
          privateKey: identityKey,
        }),
      logger,
    });

    const app = express();
    app.disable("x-powered-by");
    app.disable("etag");
    const httpServer = http.createServer(app);
    const apollo = new ApolloServer<GatewayContext>({
      gateway,
      introspection: config.nodeEnv !== "production",
      includeStacktraceInErrorResponses: false,
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer }),
        lockdown.plugin,
        createErrorStatusPlugin(),
      ],
      formatError: (formatted, error) => maskUnexpected(formatted, error, logger),
    });
    await apollo.start();
    lifecycle.onShutdown("apollo", () => apollo.stop());

    app.use((req: Request, res: Response, next: NextFunction) => {
      res.locals.requestId = randomUUID();
      res.setHeader("x-request-id", res.locals.requestId as string);
      next();
    });
    app.get("/health", async (_req, res) => {
      const subgraphs = await checkSubgraphs(config.subgraphUrls);
      const up = Object.values(subgraphs).every((s) => s.status === "up");
      res.status(up ? 200 : 503).json({ status: up ? "up" : "down", subgraphs });
    });
    app.use(
      "/graphql",
      express.json({ limit: "100kb" }),
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          const ip = req.socket.remoteAddress ?? "unknown";
          const identity = await authenticate({
            authorization: req.get("authorization"),
            userAgent: req.get("user-agent"),
            ip,
            requestId: res.locals.requestId as string,
          });
          return { identity, ip };
        },
      }),
    );
    app.use(notFoundHandler);
    app.use(errorHandler(logger));

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
