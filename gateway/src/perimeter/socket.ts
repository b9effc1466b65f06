import { randomUUID } from "node:crypto";
import type http from "node:http";
import {
  ErrorCode,
  RampartError,
  SecurityLevel,
  SESSION_REVOKED_CHANNEL,
  type Identity,
  type Logger,
  type Refusal,
  type SessionPolicy,
} from "@rampart/kit";
import type { PubSub } from "@rampart/kit/stores";
import { GraphQLError } from "graphql";
import { CloseCode, type Context } from "graphql-ws";
import type WebSocket from "ws";
import type { WebSocketServer } from "ws";
import type { AdmittedCaller } from "./admit-caller";
import type { Perimeter } from "./index";
import { isWellFormedUtf8, nestsDeeperThan } from "./operation-limits";

/** Why a socket is closed: the graphql-ws close code and our error code as the reason. */
export const SocketClose = {
  /** 4401: no token, a bad or expired one, or the session ended. */
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

/** A close code and reason. */
type Close = { readonly code: number; readonly reason: string };

/** A refusal of the socket rules: its security event and its close. */
type SocketRefusal = Omit<Refusal, "ip"> & { close: Close };

/** The close of a perimeter refusal with `code`. */
export function closeOf(code: unknown): Close {
  switch (code) {
    case ErrorCode.Unauthenticated:
      return SocketClose.unauthenticated;
    case ErrorCode.Forbidden:
      return SocketClose.forbidden;
    case ErrorCode.IpNotAllowed:
      return SocketClose.ipNotAllowed;
    case ErrorCode.CorsOriginNotAllowed:
      return SocketClose.originNotAllowed;
    case ErrorCode.RateLimited:
      return SocketClose.rateLimited;
    case ErrorCode.LockdownActive:
      return SocketClose.lockdown;
    default:
      return SocketClose.unavailable;
  }
}

/** What the perimeter keeps about one admitted socket. */
export interface SocketConnection {
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
export type SocketState = { connection?: SocketConnection };

/** The graphql-ws context of a socket this adapter serves. */
type SocketContext = Context<
  Record<string, unknown> | undefined,
  SocketState & {
    readonly socket: WebSocket;
    readonly request: http.IncomingMessage;
  }
>;

/** Options for {@link createSocketPerimeter}. */
export interface SocketPerimeterOptions {
  /** Whether subscribers need a verified second factor (`ADMIN_REQUIRE_2FA`). */
  requireSecondFactor: boolean;
  /** The sessions' timeouts: a socket closes when its session would expire. */
  sessionPolicy: SessionPolicy;
  /** Where session revocations are announced (every replica closes the sockets). */
  pubsub: Pick<PubSub, "subscribe">;
  logger: Logger;
  /** How often a socket's session, level and rights are re-checked, in ms. Default 15 000. */
  sessionCheckIntervalMs?: number;
  /** Told the code of each refusal (the refusals metric). */
  onRefusal?(code: unknown): void;
}

/**
 * The graphql-ws adapter of the perimeter. `connection_init` passes the perimeter's connection
 * checks (IP allowlist, Origin) and caller admission (token, budget, organization ranges,
 * session), then the socket rules (the IP allowlist, a superadmin, at level 2 with
 * `ADMIN_REQUIRE_2FA`, and the lockdown's rule). Each subscribe message is a request of its
 * own: the IP allowlist as it stands (refused: the socket closes 4403 `IP_NOT_ALLOWED`), budget
 * and operation admission. A socket closes at its token's `exp` unless a `ping` carrying
 * `{ authorization }` re-authenticates it with a fresh token of the same session; within a
 * second of its session's revocation (pub/sub) or expiry; when lockdown starts; and when a
 * periodic check finds its level or rights gone or its address no longer allowlisted. Refusals are typed close codes
 * ({@link SocketClose}).
 */
export function createSocketPerimeter(perimeter: Perimeter, options: SocketPerimeterOptions) {
  const { logger } = options;
  const connections = new Set<SocketConnection>();

  const closeSocket = (socket: WebSocket, close: Close) => {
    options.onRefusal?.(close.reason);
    socket.close(close.code, close.reason);
  };
  const closeConnection = (connection: SocketConnection, close: Close) => {
    clearTimeout(connection.expiryTimer);
    connections.delete(connection);
    connection.socket.close(close.code, close.reason);
  };

  /**
   * The socket rules on top of caller admission, for a caller at `ip`: the IP allowlist as it
   * stands now (an entry removed or expired since the socket opened no longer admits it), a
   * session, a superadmin at the required level, the lockdown's rule. Null when the caller may
   * hold the socket.
   */
  const socketRefusal = (identity: Identity, ip: string): SocketRefusal | null => {
    const address = perimeter.addressRefusal(ip, identity.organizationId);
    if (address) {
      return {
        actorId: identity.userId,
        organizationId: identity.organizationId,
        close: closeOf(address.code),
        type: address.type,
        severity: "medium",
        reason: address.reason,
      };
    }
    const actor = { actorId: identity.userId, organizationId: identity.organizationId };
    if (identity.userId === null || identity.sessionId === null) {
      return {
        ...actor,
        close: SocketClose.unauthenticated,
        type: "subscription.refused",
        severity: "medium",
        reason: "no session token in connectionParams.authorization",
      };
    }
    const requiredLevel = options.requireSecondFactor
      ? SecurityLevel.SecondFactor
      : SecurityLevel.SignedIn;
    const superAdmin = perimeter.isSuperAdmin(identity);
    if (!superAdmin || identity.securityLevel < requiredLevel) {
      return {
        ...actor,
        close: SocketClose.forbidden,
        type: "authorization.denied",
        severity: "medium",
        reason: superAdmin
          ? "subscriptions need a verified second factor"
          : "subscriptions are for superadmins",
      };
    }
    // The lockdown's own rule (on admin: superadmins at level 3 only).
    if (perimeter.lockdown.refuses(identity, false)) {
      return {
        ...actor,
        close: SocketClose.lockdown,
        type: "lockdown.refused",
        severity: "high",
        reason: "lockdown active (admin subscriptions)",
      };
    }
    return null;
  };

  /** Applies the socket rules; records and closes on a refusal. */
  const passesSocketRules = (
    socket: WebSocket,
    identity: Identity,
    ip: string,
    requestId: string | null,
    when = "",
  ): boolean => {
    const refused = socketRefusal(identity, ip);
    if (!refused) return true;
    const { close, ...event } = refused;
    perimeter.refuse({ ...event, reason: `${event.reason}${when}`, ip, requestId });
    closeSocket(socket, close);
    return false;
  };

  /** Caller admission, then the socket rules; null once the socket is refused and closed. */
  const admitSocket = async (
    socket: WebSocket,
    facts: { authorization: string | undefined; ip: string; userAgent: string | undefined },
    requestId: string,
  ): Promise<AdmittedCaller | null> => {
    let admitted: AdmittedCaller;
    try {
      admitted = await perimeter.admitCaller({ ...facts, requestId });
    } catch (error) {
      // Admission has recorded its own refusals.
      const close = closeOf(error instanceof GraphQLError ? error.extensions.code : undefined);
      if (close === SocketClose.unavailable)
        logger.error({ err: error, requestId }, "cannot admit a socket; closing it (fail closed)");
      closeSocket(socket, close);
      return null;
    }
    return passesSocketRules(socket, admitted.identity, facts.ip, requestId) ? admitted : null;
  };

  /** Closes the socket when its session would expire, or its token does, whichever is first. */
  const scheduleExpiry = (
    connection: SocketConnection,
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
      () => closeConnection(connection, SocketClose.unauthenticated),
      Math.max(0, expiresAt - Date.now()),
    );
    connection.expiryTimer.unref();
  };

  /**
   * Re-checks a socket: its session (which also keeps it alive while the socket is open), its
   * level (an IP change drops it) and the socket rules (the IP allowlist among them).
   */
  const recheck = async (connection: SocketConnection) => {
    const { identity } = connection;
    try {
      const resumed = await perimeter.sessions.resume(
        {
          sessionId: identity.sessionId as string,
          userId: identity.userId as string,
          organizationId: identity.organizationId,
        },
        { ip: connection.ip, userAgent: connection.userAgent ?? null },
      );
      if (!resumed.ok) return closeConnection(connection, SocketClose.unauthenticated);
      connection.identity = {
        ...identity,
        securityLevel: resumed.level,
        sessionVersion: resumed.session.version,
      };
      const { socket, ip } = connection;
      const periodic = " (periodic check of an open socket)";
      if (!passesSocketRules(socket, connection.identity, ip, null, periodic)) {
        clearTimeout(connection.expiryTimer);
        connections.delete(connection);
        return;
      }
      scheduleExpiry(connection, resumed.session);
    } catch (error) {
      logger.error({ err: error }, "cannot check a socket's session; closing it (fail closed)");
      closeConnection(connection, SocketClose.unavailable);
    }
  };

  /**
   * Re-authentication on an open socket: a `ping` whose payload carries `authorization` (a
   * fresh token of the same user and session) moves the socket's expiry to the new token's.
   * A token of another session, or a refused one, closes the socket. The token is taken out of
   * the payload first, so the pong does not echo it.
   */
  const reauthenticate = async (connection: SocketConnection, payload: Record<string, unknown>) => {
    const authorization = bearer(payload.authorization);
    delete payload.authorization;
    const requestId = randomUUID();
    const before = connection.identity;
    const admitted = await admitSocket(
      connection.socket,
      { authorization, ip: connection.ip, userAgent: connection.userAgent },
      requestId,
    );
    if (!admitted) return closeConnection(connection, SocketClose.unauthenticated);
    if (
      admitted.identity.userId !== before.userId ||
      admitted.identity.sessionId !== before.sessionId
    ) {
      perimeter.refuse({
        type: "subscription.refused",
        severity: "medium",
        actorId: before.userId,
        organizationId: before.organizationId,
        ip: connection.ip,
        requestId,
        reason: "re-authentication with another user's or session's token",
      });
      return closeConnection(connection, SocketClose.unauthenticated);
    }
    connection.identity = admitted.identity;
    connection.tokenExpiresAt = admitted.tokenExpiresAt ?? 0;
    scheduleExpiry(connection, admitted.session ?? { createdAt: 0, lastSeenAt: 0 });
  };

  let unsubscribeRevocations: (() => Promise<void>) | undefined;
  let unsubscribeLockdown: (() => void) | undefined;
  let checkTimer: NodeJS.Timeout | undefined;

  return {
    /** graphql-ws `onConnect`: admits the socket, or closes it with a typed code. */
    async onConnect(ctx: SocketContext): Promise<boolean> {
      const { socket, request } = ctx.extra;
      const ip = perimeter.clientIp(request);
      const requestId = randomUUID();
      const refused = perimeter.refuseConnection({ ip, origin: request.headers.origin, requestId });
      if (refused) {
        closeSocket(socket, closeOf(refused.code));
        return false;
      }
      const userAgent = request.headers["user-agent"];
      const authorization = bearer(ctx.connectionParams?.authorization);
      if (authorization === undefined) {
        perimeter.refuse({
          type: "subscription.refused",
          severity: "medium",
          ip,
          requestId,
          reason: "no session token in connectionParams.authorization",
        });
        closeSocket(socket, SocketClose.unauthenticated);
        return false;
      }
      const admitted = await admitSocket(socket, { authorization, ip, userAgent }, requestId);
      if (!admitted || !admitted.session || admitted.tokenExpiresAt === null) return false;
      const connection: SocketConnection = {
        socket,
        identity: admitted.identity,
        ip,
        userAgent,
        tokenExpiresAt: admitted.tokenExpiresAt,
      };
      scheduleExpiry(connection, admitted.session);
      connections.add(connection);
      ctx.extra.connection = connection;
      // A revocation announced between admission and the line above found no socket to
      // close: read the session once more now that announcements reach this one.
      try {
        const { sessionId, userId } = admitted.identity;
        if (!(await perimeter.sessions.isUsable(sessionId as string, userId as string))) {
          closeConnection(connection, SocketClose.unauthenticated);
          return false;
        }
      } catch (error) {
        logger.error({ err: error, requestId }, "cannot re-read a socket's session; closing it");
        closeConnection(connection, SocketClose.unavailable);
        return false;
      }
      return true;
    },

    /** graphql-ws `onPing`: a ping carrying `authorization` re-authenticates the socket. */
    async onPing(ctx: SocketContext, payload: Record<string, unknown> | undefined) {
      const { connection } = ctx.extra;
      if (connection && payload && "authorization" in payload)
        await reauthenticate(connection, payload);
    },

    /** graphql-ws `onClose`: forgets the socket. */
    onClose(ctx: SocketContext) {
      const { connection } = ctx.extra;
      if (!connection) return;
      clearTimeout(connection.expiryTimer);
      connections.delete(connection);
    },

    /**
     * One subscribe message of an admitted socket: a request of its own (a fresh request id,
     * the IP allowlist as it stands, the caller's request budget) and operation admission.
     * Throws typed refusals; an address no longer allowed also closes the socket (4403).
     */
    async admitSubscribe(connection: SocketConnection): Promise<Identity> {
      const identity: Identity = { ...connection.identity, requestId: randomUUID() };
      // An address no longer allowlisted loses the socket, not only this subscription.
      const address = perimeter.addressRefusal(connection.ip, identity.organizationId);
      if (address) {
        const { code, message, ...event } = address;
        perimeter.refuse({
          ...event,
          severity: "medium",
          actorId: identity.userId,
          organizationId: identity.organizationId,
          reason: `${event.reason} (subscribe on an open socket)`,
          ip: connection.ip,
          requestId: identity.requestId,
        });
        closeConnection(connection, closeOf(code));
        throw new RampartError(code, message);
      }
      await perimeter.rateLimit.admit(identity, connection.ip);
      perimeter.admitOperation(identity, "subscription");
      return identity;
    },

    /**
     * Refuses malformed messages before graphql-ws reads them (see {@link refuseMalformedMessages})
     * and records the protocol violations graphql-ws closes sockets for (its own codes only: a
     * client's own close code and text are never recorded).
     */
    watch(wsServer: WebSocketServer) {
      wsServer.on("connection", (socket, request) => {
        refuseMalformedMessages(socket, perimeter.limits.maxJsonDepth);
        const close = socket.close.bind(socket);
        socket.close = (code?: number, reason?: string | Buffer) => {
          if (code !== undefined && protocolViolations.has(code)) {
            perimeter.refuse({
              type: "subscription.protocol_violation",
              severity: "low",
              ip: perimeter.clientIp(request),
              reason: `graphql-ws closed the socket with ${code}`,
            });
            options.onRefusal?.(`GRAPHQL_WS_${code}`);
          }
          close(code, reason);
        };
      });
    },

    /** Follows revocations (every replica), lockdown, and starts the periodic checks. */
    async start(): Promise<void> {
      unsubscribeRevocations = await options.pubsub.subscribe(
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
              closeConnection(connection, SocketClose.unauthenticated);
            }
          }
        },
      );
      unsubscribeLockdown = perimeter.lockdown.onActivated(() => {
        for (const connection of [...connections])
          closeConnection(connection, SocketClose.lockdown);
      });
      checkTimer = setInterval(() => {
        for (const connection of connections) void recheck(connection);
      }, options.sessionCheckIntervalMs ?? 15_000);
      checkTimer.unref();
    },

    /** Sockets admitted and open now. */
    connections: () => connections.size,

    /** Stops following revocations and lockdown, and the periodic checks. */
    async close(): Promise<void> {
      clearInterval(checkTimer);
      unsubscribeLockdown?.();
      await unsubscribeRevocations?.();
    },
  };
}

/** The graphql-ws adapter of the perimeter. */
export type SocketPerimeter = ReturnType<typeof createSocketPerimeter>;

/** Close codes graphql-ws uses for a client that broke the protocol. */
const protocolViolations: ReadonlySet<number> = new Set([
  CloseCode.BadRequest,
  CloseCode.ConnectionInitialisationTimeout,
  CloseCode.SubscriberAlreadyExists,
  CloseCode.TooManyInitialisationRequests,
]);

/** Message types only a server sends; graphql-ws would close 4500 (its internal error) on them. */
const serverMessageTypes: ReadonlySet<unknown> = new Set(["connection_ack", "next", "error"]);
/** A cheap pre-check: the text names one of {@link serverMessageTypes} (JSON may escape it). */
const mayBeServerMessage = /connection_ack|next|error|\\u/;

/**
 * A client that sends a server's message (`next`, `connection_ack`, `error`), JSON nested
 * deeper than `maxJsonDepth` (the HTTP body's limit; a message is level 1), or a binary frame
 * that is not well-formed UTF-8 (graphql-ws decodes it with replacement characters, so it would
 * run as other text than a log saw; `ws` checks text frames itself) broke the protocol: 4400
 * Bad Request, as for any other malformed message, before graphql-ws parses it (so no deeper
 * walk ever meets it). Wraps the message listeners graphql-ws attaches after this (it
 * attaches one per socket).
 */
function refuseMalformedMessages(socket: WebSocket, maxJsonDepth: number): void {
  const on = socket.on.bind(socket) as (
    event: string,
    listener: (...args: unknown[]) => void,
  ) => WebSocket;
  (socket as { on: unknown }).on = (event: string, listener: (...args: unknown[]) => void) => {
    if (event !== "message") return on(event, listener);
    return on("message", (data: unknown, ...rest: unknown[]) => {
      const text = String(data);
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(text);
      // graphql-ws's own words for a message it cannot parse.
      if (!isWellFormedUtf8(bytes) || nestsDeeperThan(bytes, maxJsonDepth)) {
        socket.close(CloseCode.BadRequest, "Invalid message received");
        return;
      }
      let type: unknown;
      // Parsed twice only when it may be one: every other message goes straight through.
      if (mayBeServerMessage.test(text)) {
        try {
          type = (JSON.parse(text) as { type?: unknown } | null)?.type;
        } catch {
          // Not JSON: graphql-ws answers it with 4400 itself.
        }
      }
      if (serverMessageTypes.has(type)) {
        socket.close(CloseCode.BadRequest, "Bad Request");
        return;
      }
      listener(data, ...rest);
    });
  };
}

/** `connectionParams.authorization` as an Authorization header: `Bearer <token>` or a bare token. */
function bearer(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return value.startsWith("Bearer ") ? value : `Bearer ${value}`;
}

/** A refusal thrown while admitting a subscribe message is typed (never a bare error). */
export const isTypedRefusal = (error: unknown): error is GraphQLError =>
  error instanceof RampartError ||
  (error instanceof GraphQLError && error.extensions.code !== ErrorCode.Internal);
