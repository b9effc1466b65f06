import type http from "node:http";
import type { Duplex } from "node:stream";
import { ErrorCode, RampartError, type Identity, type Logger } from "@rampart/kit";
import { getVariableValues, type ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { Perimeter } from "../perimeter";
import { refuseUpgrade } from "../perimeter/http-server";
import {
  isTypedRefusal,
  type SocketConnection,
  type SocketPerimeter,
  type SocketState,
} from "../perimeter/socket";
import type { SubscriptionPlanner } from "./planner";
import { asTyped, createSubscriptionPreparer } from "./prepare";
import { formatSubscriptionError, type SharedExecutions } from "./shared-executions";

/** Options for {@link createSubscriptionServer}. */
export interface SubscriptionServerOptions {
  /** The gateway's HTTP server; graphql-ws shares its port. */
  httpServer: http.Server;
  /** Path of the socket. Default `/graphql`. */
  path?: string;
  planner: SubscriptionPlanner;
  executions: SharedExecutions;
  /** The perimeter: refusals, operation limits (the same as HTTP's). */
  perimeter: Perimeter;
  /** Its graphql-ws adapter: socket admission, re-authentication, expiry, revocation. */
  sockets: SocketPerimeter;
  logger: Logger;
  /** Live subscriptions one socket may hold. Default 25. */
  maxSubscriptionsPerSocket?: number;
  /** Largest message accepted, in bytes. Default the HTTP body cap (`limits.maxBodyBytes`). */
  maxPayloadBytes?: number;
  /** Told the code of each refusal (the refusals metric). */
  onRefusal?(code: unknown): void;
}

/** The context of one subscription. */
interface SubscriptionContext {
  readonly identity: Identity;
  readonly ip: string;
}

/**
 * graphql-ws on the admin gateway's `/graphql`. The socket perimeter admits each socket and
 * each subscribe message (see perimeter/socket); each admitted message is validated with the
 * HTTP operation limits, planned by Apollo's planner and joined to a shared execution.
 */
export async function createSubscriptionServer(options: SubscriptionServerOptions) {
  const { logger, perimeter, sockets } = options;
  const maxPerSocket = options.maxSubscriptionsPerSocket ?? 25;
  const prepare = createSubscriptionPreparer({
    planner: options.planner,
    validationRules: perimeter.limits.validationRules,
    parseOptions: perimeter.limits.parseOptions,
  });

  const path = options.path ?? "/graphql";
  const wsServer = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes ?? perimeter.limits.maxBodyBytes,
  });
  sockets.watch(wsServer);
  // Handshakes pass the HTTP server's own head checks first (one Host, one Origin, a clean
  // request line), as every other request does; another path is 404.
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refuseUpgrade(options.httpServer, req, socket, path)) return;
    wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit("connection", ws, req));
  };
  options.httpServer.on("upgrade", onUpgrade);

  const server = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      onConnect: (ctx) => sockets.onConnect(ctx),
      onPing: (ctx, payload) => sockets.onPing(ctx, payload),
      onClose: (ctx) => sockets.onClose(ctx),

      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.connection as SocketConnection;
        const log = logger.child({ subscription: id });
        try {
          if (Object.keys(ctx.subscriptions).length > maxPerSocket) {
            perimeter.refuse({
              type: "subscription.refused",
              severity: "medium",
              actorId: connection.identity.userId,
              organizationId: connection.identity.organizationId,
              ip: connection.ip,
              reason: `more than ${maxPerSocket} subscriptions on one socket`,
            });
            throw new RampartError(
              ErrorCode.TooManySubscriptions,
              `At most ${maxPerSocket} subscriptions may run on one socket.`,
            );
          }
          const identity = await sockets.admitSubscribe(connection);
          const origin = { ip: connection.ip, requestId: identity.requestId };
          const prepared = prepare(payload.query, payload.operationName ?? undefined);
          if ("errors" in prepared) {
            const code = perimeter.limits.refuseOperation(origin, prepared.errors);
            if (code) options.onRefusal?.(code);
            return prepared.errors;
          }
          const { document, operation, planned } = prepared;
          // The input checks of HTTP's resolved operation, by the same code; the socket stays
          // open, as for every other refusal of one operation.
          const refusal = perimeter.limits.refuseInput(origin, {
            document,
            operation,
            variables: payload.variables,
          });
          if (refusal) {
            options.onRefusal?.(refusal.code);
            return [refusal];
          }
          // Coerced here, as over HTTP, so a bad value is BAD_USER_INPUT, not a subgraph error.
          const variables = getVariableValues(
            options.planner.apiSchema,
            operation.variableDefinitions ?? [],
            payload.variables ?? {},
            { maxErrors: 10 },
          );
          if (variables.errors) {
            return variables.errors.map((error) => asTyped(error, ErrorCode.BadUserInput));
          }
          log.info(
            { requestId: identity.requestId, operation: payload.operationName ?? null },
            "subscription started",
          );
          const args: ExecutionArgs = {
            schema: options.planner.apiSchema,
            document,
            operationName: payload.operationName,
            variableValues: variables.coerced,
            contextValue: { identity, ip: connection.ip, planned } satisfies SubscriptionContext & {
              planned: unknown;
            },
          };
          return args;
        } catch (error) {
          // Typed refusals (budget, lockdown, limits) reach the client.
          if (isTypedRefusal(error)) {
            options.onRefusal?.(error.extensions.code);
            return [error];
          }
          log.error({ err: error }, "could not start a subscription");
          return [RampartError.unavailable("subscriptions")];
        }
      },

      subscribe: (args) => {
        const { identity, ip, planned } = args.contextValue as SubscriptionContext & {
          planned: Parameters<SharedExecutions["subscribe"]>[0]["planned"];
        };
        return options.executions.subscribe({
          planned,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          identity,
          ip,
        });
      },

      onError: (_ctx, _id, _payload, errors) =>
        errors.map((error) => formatSubscriptionError(error, logger)),
    },
    wsServer,
  );
  await sockets.start();

  return {
    /** Sockets open now. */
    connections: () => sockets.connections(),
    /** Closes every socket and stops following revocations. */
    async close(): Promise<void> {
      options.httpServer.off("upgrade", onUpgrade);
      await sockets.close();
      options.executions.close();
      await server.dispose();
    },
  };
}
