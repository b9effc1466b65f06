import { randomUUID } from "node:crypto";
import type http from "node:http";
import {
  ErrorCode,
  RampartError,
  SecurityLevel,
  SESSION_REVOKED_CHANNEL,
  type Identity,
  type Logger,
  type SecurityEventInput,
  type SessionPolicy,
  type SessionStore,
  type Stores,
} from "@rampart/kit";
import {
  GraphQLError,
  getVariableValues,
  type ExecutionArgs,
  type ParseOptions,
  type ValidationRule,
} from "graphql";
import { CloseCode } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import type { AdmitCaller, AdmittedCaller } from "../perimeter/admit-caller";
import type { ClientIpResolver } from "../perimeter/client-ip";
import type { IpAllowlist } from "../perimeter/ip-allowlist";
import type { Lockdown } from "../perimeter/lockdown";
import type { OperationLimits } from "../perimeter/operation-limits";
import type { RateLimit } from "../perimeter/rate-limit";
import type { SubscriptionPlanner } from "./planner";
import { asTyped, createSubscriptionPreparer } from "./prepare";
import { formatSubscriptionError, type SharedExecutions } from "./shared-executions";

/** Why a socket is closed: the graphql-ws close code and our error code as the reason. */
export const SubscriptionClose = {
  /** 4401: no token, a bad one, or the session ended. */
  unauthenticated: { code: CloseCode.Unauthorized, reason: ErrorCode.Unauthenticated },
  /** 4403: the caller lacks the rights (not a superadmin, no second factor). */
  forbidden: { code: CloseCode.Forbidden, reason: ErrorCode.Forbidden },
  /** 4403: the client IP is not allowlisted. */
  ipNotAllowed: { code: CloseCode.Forbidden, reason: ErrorCode.IpNotAllowed },
  /** 4403: the Origin is not one of the profile's. */
  originNotAllowed: { code: CloseCode.Forbidden, reason: ErrorCode.CorsOriginNotAllowed },
  /** 4429: the caller's request budget is spent. */
  rateLimited: { code: CloseCode.TooManyInitialisationRequests, reason: ErrorCode.RateLimited },
  /** 4403: lockdown started (reconnecting passes the lockdown's own rule, or not). */
  lockdown: { code: CloseCode.Forbidden, reason: ErrorCode.LockdownActive },
  /** 1013 (try again later): a security dependency is down; closing is failing closed. */
  unavailable: { code: 1013, reason: ErrorCode.ServiceUnavailable },
} as const;

/** Options for {@link createSubscriptionServer}. */
export interface SubscriptionServerOptions {
  /** The gateway's HTTP server; graphql-ws shares its port. */
  httpServer: http.Server;
  /** Path of the socket. Default `/graphql`. */
  path?: string;
  planner: SubscriptionPlanner;
  executions: SharedExecutions;
  /** The same caller admission as HTTP (token, budgets, organization ranges, session). */
  admitCaller: AdmitCaller;
  sessions: SessionStore;
  /** The sessions' timeouts: a socket closes when its session would expire. */
  sessionPolicy: SessionPolicy;
  stores: Stores;
  clientIp: ClientIpResolver;
  ipAllowlist: IpAllowlist;
  /** Whether the IP allowlist is enforced on this profile. */
  enforceIpAllowlist: boolean;
  /** Origins allowed to open sockets from a browser; sockets without Origin are not browsers. */
  allowedOrigins: readonly string[];
  rateLimit: RateLimit;
  /** The lockdown this replica applies: its rule, and when it starts (see perimeter/lockdown). */
  lockdown: Pick<Lockdown, "refuses" | "onActivated">;
  isSuperAdmin(identity: Identity): boolean;
  /** Whether subscribers need a verified second factor (`ADMIN_REQUIRE_2FA`). */
  requireSecondFactor: boolean;
  /** Operation limits, the same as HTTP. */
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
  /** Types and reports a refused operation as the HTTP path does (the operation limits). */
  refuseOperation: OperationLimits<object>["refuseOperation"];
  /** Every refusal is a security event. */
  record(event: SecurityEventInput): void;
  logger: Logger;
  /** Live subscriptions one socket may hold. Default 25. */
  maxSubscriptionsPerSocket?: number;
  /** How often a socket's session is re-checked (and kept alive), in ms. Default 15 000. */
  sessionCheckIntervalMs?: number;
  /** Largest message accepted, in bytes (like the HTTP body cap). Default 100 kB. */
  maxPayloadBytes?: number;
  /** Told the code of each refusal (the refusals metric). */
  onRefusal?(code: unknown): void;
}

/** What the gateway keeps about one accepted socket. */
interface Connection {
  readonly socket: WebSocket;
  /** The caller as last admitted: at `connection_init`, then at each re-authentication. */
  identity: Identity;
  readonly ip: string;
  readonly userAgent: string | undefined;
  /** Epoch ms at which the token last presented expires: the socket closes then. */
  tokenExpiresAt: number;
  expiryTimer?: NodeJS.Timeout;
}

/** Extra state graphql-ws carries per socket. */
type SocketState = {
  connection?: Connection;
};

/** The context of one subscription. */
interface SubscriptionContext {
  readonly identity: Identity;
  readonly ip: string;
}

/**
 * graphql-ws on the admin gateway's `/graphql`: `connection_init` passes the same perimeter and
 * session checks as HTTP (IP allowlist, origin, token and session, superadmin, second factor,
 * lockdown); each subscribe message is rate limited, validated with the HTTP operation limits,
 * planned by Apollo's planner and joined to a shared execution. Sockets close within a second
 * of their session's revocation (pub/sub) or expiry (a timer), and when lockdown starts.
 */
export async function createSubscriptionServer(options: SubscriptionServerOptions) {
  const { logger } = options;
  const connections = new Set<Connection>();
  const maxPerSocket = options.maxSubscriptionsPerSocket ?? 25;

  const refuse = (
    socket: WebSocket,
    close: { code: number; reason: string },
    event: Omit<SecurityEventInput, "severity"> & { severity?: SecurityEventInput["severity"] },
  ) => {
    options.record({ severity: "medium", ...event });
    options.onRefusal?.(close.reason);
    socket.close(close.code, close.reason);
  };

  const closeConnection = (connection: Connection, close: { code: number; reason: string }) => {
    clearTimeout(connection.expiryTimer);
    connections.delete(connection);
    connection.socket.close(close.code, close.reason);
  };

  /**
   * The socket rules on top of caller admission: a signed-in superadmin, at level 2 when
   * `ADMIN_REQUIRE_2FA` is on, and the lockdown's own rule. Applied at `connection_init`, at
   * each re-authentication and at each periodic check, so a role or level lost since closes
   * the socket. Null when the caller may hold the socket.
   */
  const socketRefusal = (
    identity: Identity,
  ): {
    close: { code: number; reason: string };
    type: string;
    reason: string;
    severity?: SecurityEventInput["severity"];
  } | null => {
    if (identity.userId === null || identity.sessionId === null) {
      return {
        close: SubscriptionClose.unauthenticated,
        type: "subscription.refused",
        reason: "no session token in connectionParams.authorization",
      };
    }
    const requiredLevel = options.requireSecondFactor
      ? SecurityLevel.SecondFactor
      : SecurityLevel.SignedIn;
    const superAdmin = options.isSuperAdmin(identity);
    if (!superAdmin || identity.securityLevel < requiredLevel) {
      return {
        close: SubscriptionClose.forbidden,
        type: "authorization.denied",
        reason: superAdmin
          ? "subscriptions need a verified second factor"
          : "subscriptions are for superadmins",
      };
    }
    // The admin profile's lockdown rule: superadmins at level 3 only.
    if (options.lockdown.refuses(identity, false)) {
      return {
        close: SubscriptionClose.lockdown,
        type: "lockdown.refused",
        reason: "lockdown active (admin subscriptions)",
        severity: "high",
      };
    }
    return null;
  };

  /** The close code for a typed refusal of caller admission. */
  const closeFor = (error: unknown): { code: number; reason: string } => {
    if (!(error instanceof GraphQLError)) return SubscriptionClose.unavailable;
    switch (error.extensions.code) {
      case ErrorCode.Unauthenticated:
        return SubscriptionClose.unauthenticated;
      case ErrorCode.IpNotAllowed:
        return SubscriptionClose.ipNotAllowed;
      case ErrorCode.RateLimited:
        return SubscriptionClose.rateLimited;
      default:
        return SubscriptionClose.unavailable;
    }
  };

  /**
   * Admits the caller of a socket (at `connection_init`, or again when it re-authenticates),
   * then applies the socket rules. The admitted caller, or null once the socket is refused.
   */
  const admitSocket = async (
    socket: WebSocket,
    facts: { authorization: string | undefined; ip: string; userAgent: string | undefined },
    requestId: string,
  ): Promise<AdmittedCaller | null> => {
    let admitted: AdmittedCaller;
    try {
      admitted = await options.admitCaller({ ...facts, requestId });
    } catch (error) {
      const close = closeFor(error);
      if (close === SubscriptionClose.unavailable)
        logger.error({ err: error, requestId }, "cannot admit a socket; closing it (fail closed)");
      // Admission has recorded its own refusals.
      options.onRefusal?.(close.reason);
      socket.close(close.code, close.reason);
      return null;
    }
    const refused = socketRefusal(admitted.identity);
    if (refused) {
      refuse(socket, refused.close, {
        actorId: admitted.identity.userId,
        organizationId: admitted.identity.organizationId,
        ip: facts.ip,
        requestId,
        type: refused.type,
        reason: refused.reason,
        severity: refused.severity,
      });
      return null;
    }
    return admitted;
  };

  /**
   * Re-checks a socket: its session (which also keeps it alive while the socket is open), its
   * level (an IP change drops it) and the socket rules.
   */
  const recheck = async (connection: Connection) => {
    const { identity } = connection;
    try {
      const resumed = await options.sessions.resume(
        {
          sessionId: identity.sessionId as string,
          userId: identity.userId as string,
          organizationId: identity.organizationId,
        },
        { ip: connection.ip, userAgent: connection.userAgent ?? null },
      );
      if (!resumed.ok) return closeConnection(connection, SubscriptionClose.unauthenticated);
      connection.identity = {
        ...identity,
        securityLevel: resumed.level,
        sessionVersion: resumed.session.version,
      };
      const refused = socketRefusal(connection.identity);
      if (refused) {
        options.record({
          type: refused.type,
          severity: refused.severity ?? "medium",
          actorId: identity.userId,
          organizationId: identity.organizationId,
          ip: connection.ip,
          reason: `${refused.reason} (periodic check of an open socket)`,
          requestId: null,
        });
        return closeConnection(connection, refused.close);
      }
      scheduleExpiry(connection, resumed.session);
    } catch (error) {
      logger.error({ err: error }, "cannot check a socket's session; closing it (fail closed)");
      closeConnection(connection, SubscriptionClose.unavailable);
    }
  };

  /** Closes the socket when its session would expire, or its token does, whichever is first. */
  const scheduleExpiry = (
    connection: Connection,
    session: { createdAt: number; lastSeenAt: number },
  ) => {
    const { absoluteTimeoutMs, idleTimeoutMs } = options.sessionPolicy;
    const expiresAt = Math.min(
      session.createdAt + absoluteTimeoutMs,
      session.lastSeenAt + idleTimeoutMs,
      connection.tokenExpiresAt,
    );
    clearTimeout(connection.expiryTimer);
    connection.expiryTimer = setTimeout(
      () => closeConnection(connection, SubscriptionClose.unauthenticated),
      Math.max(0, expiresAt - Date.now()),
    );
    connection.expiryTimer.unref();
  };

  /**
   * Re-authentication on an open socket: a `ping` whose payload carries `authorization` (a
   * fresh token of the same user and session) moves the socket's expiry to the new token's.
   * A token of another session, or a refused one, closes the socket. The token is taken out of
   * the payload first, so the pong does not echo it.
   */
  const reauthenticate = async (connection: Connection, payload: Record<string, unknown>) => {
    const authorization = bearer(payload.authorization);
    delete payload.authorization;
    const requestId = randomUUID();
    const admitted = await admitSocket(
      connection.socket,
      { authorization, ip: connection.ip, userAgent: connection.userAgent },
      requestId,
    );
    if (!admitted) return closeConnection(connection, SubscriptionClose.unauthenticated);
    const before = connection.identity;
    if (
      admitted.identity.userId !== before.userId ||
      admitted.identity.sessionId !== before.sessionId
    ) {
      refuse(connection.socket, SubscriptionClose.unauthenticated, {
        actorId: before.userId,
        organizationId: before.organizationId,
        ip: connection.ip,
        requestId,
        type: "subscription.refused",
        reason: "re-authentication with another user's or session's token",
      });
      return closeConnection(connection, SubscriptionClose.unauthenticated);
    }
    connection.identity = admitted.identity;
    connection.tokenExpiresAt = admitted.tokenExpiresAt ?? 0;
    scheduleExpiry(connection, admitted.session ?? { createdAt: 0, lastSeenAt: 0 });
  };

  const prepare = createSubscriptionPreparer({
    planner: options.planner,
    validationRules: options.validationRules,
    parseOptions: options.parseOptions,
  });

  const wsServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path ?? "/graphql",
    maxPayload: options.maxPayloadBytes ?? 100 * 1024,
  });

  // graphql-ws itself closes sockets that break the protocol: refusals too. Only the codes this
  // server sends count (a client's own close code and text are never recorded).
  wsServer.on("connection", (socket, request) => {
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string | Buffer) => {
      if (code !== undefined && protocolViolations.has(code)) {
        options.record({
          type: "subscription.protocol_violation",
          severity: "low",
          actorId: null,
          organizationId: null,
          ip: options.clientIp(request),
          reason: `graphql-ws closed the socket with ${code}`,
          requestId: null,
        });
        options.onRefusal?.(`GRAPHQL_WS_${code}`);
      }
      close(code, reason);
    };
  });

  const server = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const ip = options.clientIp(request);
        const requestId = randomUUID();
        const base = { actorId: null, organizationId: null, ip, requestId };
        if (options.enforceIpAllowlist && !options.ipAllowlist.allows(ip, null)) {
          refuse(socket, SubscriptionClose.ipNotAllowed, {
            ...base,
            type: "ip_allowlist.refused",
            reason: "subscription socket from an IP not in the allowlist",
          });
          return false;
        }
        const origin = request.headers.origin;
        if (origin !== undefined && !options.allowedOrigins.includes(origin)) {
          refuse(socket, SubscriptionClose.originNotAllowed, {
            ...base,
            type: "cors.origin_not_allowed",
            reason: "subscription socket from an origin not allowed",
          });
          return false;
        }
        const userAgent = request.headers["user-agent"];
        const authorization = bearer(ctx.connectionParams?.authorization);
        if (authorization === undefined) {
          refuse(socket, SubscriptionClose.unauthenticated, {
            ...base,
            type: "subscription.refused",
            reason: "no session token in connectionParams.authorization",
          });
          return false;
        }
        const admitted = await admitSocket(socket, { authorization, ip, userAgent }, requestId);
        if (!admitted || !admitted.session || admitted.tokenExpiresAt === null) return false;
        const connection: Connection = {
          socket,
          identity: admitted.identity,
          ip,
          userAgent,
          tokenExpiresAt: admitted.tokenExpiresAt,
        };
        scheduleExpiry(connection, admitted.session);
        connections.add(connection);
        ctx.extra.connection = connection;
        return true;
      },

      onPing: async (ctx, payload) => {
        const { connection } = ctx.extra;
        if (connection && payload && "authorization" in payload)
          await reauthenticate(connection, payload);
      },

      onClose: (ctx) => {
        const { connection } = ctx.extra;
        if (!connection) return;
        clearTimeout(connection.expiryTimer);
        connections.delete(connection);
      },

      onSubscribe: async (ctx, id, payload) => {
        const connection = ctx.extra.connection as Connection;
        const identity: Identity = { ...connection.identity, requestId: randomUUID() };
        const log = logger.child({ requestId: identity.requestId, subscription: id });
        try {
          if (Object.keys(ctx.subscriptions).length > maxPerSocket) {
            options.record({
              type: "subscription.refused",
              severity: "medium",
              actorId: identity.userId,
              organizationId: identity.organizationId,
              ip: connection.ip,
              reason: `more than ${maxPerSocket} subscriptions on one socket`,
              requestId: identity.requestId,
            });
            throw new RampartError(
              ErrorCode.TooManySubscriptions,
              `At most ${maxPerSocket} subscriptions may run on one socket.`,
            );
          }
          await options.rateLimit.admit(identity, connection.ip);
          const prepared = prepare(payload.query, payload.operationName ?? undefined);
          if ("errors" in prepared) {
            const origin = { ip: connection.ip, requestId: identity.requestId };
            const code = options.refuseOperation(origin, prepared.errors);
            if (code) options.onRefusal?.(code);
            return prepared.errors;
          }
          const { document, operation, planned } = prepared;
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
          log.info({ operation: payload.operationName ?? null }, "subscription started");
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
          // Typed refusals (RampartError, the rate limiter's RateLimitedError) reach the client.
          if (error instanceof GraphQLError && error.extensions.code !== ErrorCode.Internal) {
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

  // Revocations reach every replica by pub/sub: the socket closes the moment one arrives.
  const unsubscribeRevocations = await options.stores.pubsub.subscribe(
    SESSION_REVOKED_CHANNEL,
    (message) => {
      let revoked: { sessionId?: string; userId?: string; all?: boolean };
      try {
        revoked = JSON.parse(message) as typeof revoked;
      } catch {
        return;
      }
      for (const connection of [...connections]) {
        const { identity } = connection;
        if (
          revoked.all === true ||
          (revoked.userId !== undefined && revoked.userId === identity.userId) ||
          (revoked.sessionId !== undefined && revoked.sessionId === identity.sessionId)
        ) {
          closeConnection(connection, SubscriptionClose.unauthenticated);
        }
      }
    },
  );
  const unsubscribeLockdown = options.lockdown.onActivated(() => {
    for (const connection of [...connections])
      closeConnection(connection, SubscriptionClose.lockdown);
  });
  const checkTimer = setInterval(() => {
    for (const connection of connections) void recheck(connection);
  }, options.sessionCheckIntervalMs ?? 15_000);
  checkTimer.unref();

  return {
    /** Sockets open now. */
    connections: () => connections.size,
    /** Closes every socket and stops following revocations. */
    async close(): Promise<void> {
      clearInterval(checkTimer);
      await unsubscribeRevocations();
      unsubscribeLockdown();
      options.executions.close();
      await server.dispose();
    },
  };
}

/** Close codes graphql-ws uses for a client that broke the protocol. */
const protocolViolations: ReadonlySet<number> = new Set([
  CloseCode.BadRequest,
  CloseCode.ConnectionInitialisationTimeout,
  CloseCode.SubscriberAlreadyExists,
  CloseCode.TooManyInitialisationRequests,
]);

/** `connectionParams.authorization` as an Authorization header: `Bearer <token>` or a bare token. */
function bearer(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return value.startsWith("Bearer ") ? value : `Bearer ${value}`;
}
