import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { ApolloServerPlugin } from "@apollo/server";
import type { ContextFunction } from "@apollo/server";
import type { ExpressContextFunctionArgument } from "@as-integrations/express5";
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import type { GatewayContext } from "../context";
import { createClientIpMiddleware } from "./client-ip";
import { createCors } from "./cors";
import { createErrorStatusPlugin } from "./error-status";
import { createHttpServer } from "./http-server";
import type { Perimeter } from "./index";
import {
  createSecurityHeaders,
  securityHeaderValues,
  type SecurityHeadersOptions,
} from "./security-headers";

/** Options for {@link createHttpPerimeter}. */
export interface HttpPerimeterOptions {
  /** Allowed origins and the setting they come from, for configuration errors. */
  allowedOrigins: readonly string[];
  /** `ADMIN_ORIGINS` or `STOREFRONT_ORIGINS`. */
  originsSetting: string;
  /** Security headers of this profile (the admin profile adds a Content-Security-Policy). */
  securityHeaders: SecurityHeadersOptions;
  /** Runs right after the request id is set, before any refusal (request metrics, access log). */
  observe?: RequestHandler;
}

/** The perimeter as Express and Apollo Server see it. */
export interface HttpPerimeter {
  /** The HTTP server for `app`: refuses malformed or oversized requests before Express. */
  createServer(app: Express): http.Server;
  /** Before every route: request id, security headers and the client IP. */
  readonly head: RequestHandler[];
  /**
   * Every route but the metrics scrape: the IP allowlist where the profile enforces it, then
   * CORS, so an address outside the allowlist learns nothing, not even the allowed origins.
   */
  readonly guard: RequestHandler[];
  /** Before Apollo on `/graphql`: body limits (size, media type, JSON depth, CSRF). */
  readonly bodyParser: RequestHandler;
  /** Caller admission, as Apollo's context function. */
  readonly context: ContextFunction<[ExpressContextFunctionArgument], GatewayContext>;
  /** Budgets' headers, operation admission, operation limits, the HTTP status of refusals. */
  readonly apolloPlugins: ApolloServerPlugin<GatewayContext>[];
}

/**
 * The HTTP adapter of the perimeter: every check is the perimeter's, this only places each in
 * Express or Apollo and answers a refusal with its status. Connection checks run in Express,
 * before the body is read, so non-GraphQL routes are covered; caller admission is Apollo's
 * context function; operation admission runs once the operation is resolved.
 */
export function createHttpPerimeter(
  perimeter: Perimeter,
  options: HttpPerimeterOptions,
): HttpPerimeter {
  const { clientIp, limits, rateLimit } = perimeter;
  const refusalOf =
    (severity: "low" | "medium") =>
    (refusal: { type: string; reason: string; ip: string | null; requestId: string | null }) =>
      perimeter.refuse({ ...refusal, severity });

  const operationAdmission: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          perimeter.admitOperation(contextValue.identity, operation?.operation ?? "query");
        },
      };
    },
  };

  return {
    createServer: (app) =>
      createHttpServer(app, {
        maxBodyBytes: limits.maxBodyBytes,
        responseHeaders: securityHeaderValues(options.securityHeaders),
        clientIp,
        onRefusal: refusalOf("medium"),
      }),
    head: [
      (_req: Request, res: Response, next: NextFunction) => {
        res.locals.requestId = randomUUID();
        res.setHeader("x-request-id", res.locals.requestId as string);
        next();
      },
      ...(options.observe ? [options.observe] : []),
      createSecurityHeaders(options.securityHeaders),
      createClientIpMiddleware(clientIp),
    ],
    guard: [
      perimeter.ipAllowlist.middleware(),
      createCors({
        allowedOrigins: options.allowedOrigins,
        onRefusal: refusalOf("medium"),
        clientIp,
        setting: options.originsSetting,
      }),
    ],
    bodyParser: limits.bodyParser,
    context: async ({ req, res }) => {
      const { identity, ip, budget } = await perimeter.admitCaller({
        authorization: req.get("authorization"),
        userAgent: req.get("user-agent"),
        ip: res.locals.clientIp as string,
        requestId: res.locals.requestId as string,
      });
      return { identity, ip, budget };
    },
    apolloPlugins: [
      rateLimit.plugin,
      operationAdmission,
      ...limits.apolloPlugins,
      createErrorStatusPlugin(),
    ],
  };
}
