import type { ApolloServerPlugin } from "@apollo/server";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { fixedFieldLogger } from "../logger";
import { normalizeIp } from "../ip-allowlist";
import { outcomeOf } from "./labels";
import type { Metrics } from "./registry";

/** Options for {@link createRequestMetrics}. */
export interface RequestMetricsOptions {
  /** Where requests and refusals are counted. */
  metrics: Metrics;
  /** Writes one `graphql request` line per GraphQL request, at info level. */
  logger: Logger;
  /** Path of the GraphQL endpoint. Default `/graphql`. */
  graphqlPath?: string;
  /** The request id for the access log. Default `res.locals.requestId`. */
  requestId?: (req: Request, res: Response) => string | null | undefined;
  /** The client address for the access log. Default: the socket's peer. */
  clientIp?: (req: Request, res: Response) => string | null | undefined;
}

/** Request metrics for one server: an Apollo plugin and an Express middleware, used together. */
export interface RequestMetrics {
  /** Apollo plugin: notes each operation Apollo answered (its name and error codes). */
  readonly plugin: ApolloServerPlugin;
  /**
   * Express middleware; mount it first, right after the request id. When a response is sent it
   * counts every refusal (including those written by middleware before Apollo: CORS, IP
   * allowlist, body limits, identity) and, for the GraphQL path, the request and its duration,
   * and writes the access-log line.
   */
  readonly middleware: RequestHandler;
}

/** What the plugin learnt about an operation Apollo answered. */
interface Answered {
  readonly operationName: string | null | undefined;
  readonly resolved: boolean;
  readonly codes: readonly unknown[];
}

/** Error bodies longer than this are not read for their codes. */
const MAX_ERROR_BODY_LENGTH = 64 * 1024;

/** Longest operation name written to the access log. */
const MAX_LOGGED_NAME_LENGTH = 200;

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null;

/** `extensions.code` of each error in a JSON error body (`{ errors: [...] }`), in order. */
function errorCodesOf(body: unknown, status: number): unknown[] {
  const text = Buffer.isBuffer(body) ? body.toString("utf8") : body;
  if (typeof text === "string" && text.length <= MAX_ERROR_BODY_LENGTH) {
    try {
      const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: unknown } }[] };
      const codes = Array.isArray(parsed?.errors)
        ? parsed.errors.map((error) => error?.extensions?.code)
        : [];
      if (codes.length > 0) return codes;
    } catch {
      // Not JSON: fall through to the status.
    }
  }
  return [status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST"];
}

const operationNameOf = (body: unknown): string | null => {
  const name = isObject(body) ? (body as { operationName?: unknown }).operationName : undefined;
  return typeof name === "string" ? name : null;
};

/**
 * Counts GraphQL requests and refusals in one place, when each response is sent, so that no
 * refusing middleware needs to know about metrics. Apollo's answers are told apart from
 * responses written before Apollo (or when its context function threw) by the parsed body,
 * which Apollo hands its plugins as `request.http.body`: the plugin notes what Apollo
 * answered under that object, and the middleware reads the note. Responses without a note
 * are read for their codes only when they are errors (status 400 and up).
 */
export function createRequestMetrics(options: RequestMetricsOptions): RequestMetrics {
  const { metrics, logger } = options;
  // The access line's fields are fixed (id, name capped, outcome, status, duration, address).
  const accessLog = fixedFieldLogger(logger);
  const graphqlPath = options.graphqlPath ?? "/graphql";
  const requestIdOf =
    options.requestId ??
    ((_req: Request, res: Response) =>
      typeof res.locals.requestId === "string" ? res.locals.requestId : null);
  const clientIpOf =
    options.clientIp ?? ((req: Request) => normalizeIp(req.socket.remoteAddress) ?? null);
  const answered = new WeakMap<object, Answered>();

  const plugin: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, operation, operationName }) {
          const body = request.http?.body;
          if (!isObject(body)) return;
          const result =
            response.body.kind === "single"
              ? response.body.singleResult
              : response.body.initialResult;
          answered.set(body, {
            // A resolved operation's own name; else the one the client asked for.
            operationName: operation ? operationName : request.operationName,
            resolved: operation !== undefined,
            codes: (result.errors ?? []).map((error) => error.extensions?.code),
          });
        },
      };
    },
  };

  const record = (req: Request, res: Response, path: string, start: bigint, errorBody: unknown) => {
    const note = isObject(req.body) ? answered.get(req.body) : undefined;
    let codes: readonly unknown[];
    if (note) codes = note.codes;
    else if (res.statusCode >= 400) codes = errorCodesOf(errorBody, res.statusCode);
    else return;
    metrics.recordRefusals(codes);
    const graphql =
      note !== undefined ||
      (req.method !== "OPTIONS" && (path === graphqlPath || path.startsWith(`${graphqlPath}/`)));
    if (!graphql) return;
    const durationSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const operationName = note ? note.operationName : operationNameOf(req.body);
    metrics.recordRequest({
      operationName,
      resolved: note?.resolved ?? false,
      codes,
      durationSeconds,
    });
    accessLog.info(
      {
        requestId: requestIdOf(req, res) ?? null,
        operation: operationName?.slice(0, MAX_LOGGED_NAME_LENGTH) ?? null,
        outcome: outcomeOf(codes),
        status: res.statusCode,
        durationMs: Math.round(durationSeconds * 100_000) / 100,
        ip: clientIpOf(req, res) ?? null,
      },
      "graphql request",
    );
  };

  const middleware = function requestMetrics(req: Request, res: Response, next: NextFunction) {
    const start = process.hrtime.bigint();
    // Mounted routers trim req.path while they run: keep the path as it arrived.
    const path = req.path;
    let errorBody: unknown;
    const send = res.send;
    // res.json and Apollo's integration both end in res.send: the one place bodies pass.
    res.send = function sendAndNote(this: Response, body?: unknown) {
      if (this.statusCode >= 400 && errorBody === undefined) errorBody = body;
      return send.call(this, body);
    } as Response["send"];
    res.once("finish", () => {
      try {
        record(req, res, path, start, errorBody);
      } catch (error) {
        logger.error({ err: error, requestId: requestIdOf(req, res) }, "could not record metrics");
      }
    });
    next();
  };

  return { plugin, middleware };
}
