import {
  createRefusalSink,
  ErrorCode,
  isSuperAdminIdentity,
  loadOrCreateDevKeyPair,
  SessionStore,
  type Identity,
  type Lifecycle,
  type Logger,
  type Metrics,
  type Refusal,
  type SecurityEventInput,
  type SecurityEventRecorder,
} from "@rampart/kit";
import { createMemoryStores, type Stores } from "@rampart/kit/stores";
import { createSessionTokenVerifier } from "../auth/session-token";
import type { GatewayConfig } from "../config";
import type { GatewayContext } from "../context";
import { createCallerAdmission, type AdmitCaller } from "./admit-caller";
import { createClientIpResolver, type ClientIpResolver } from "./client-ip";
import { createOriginCheck, originRefusal } from "./cors";
import {
  allowlistRefusal,
  createIpAllowlist,
  type AddressRefusal,
  type IpAllowlist,
} from "./ip-allowlist";
import { createLockdown, type Lockdown } from "./lockdown";
import { createOperationLimits, type OperationLimits } from "./operation-limits";
import { createRateLimit, type RateLimit } from "./rate-limit";

/** Options for {@link createPerimeter}. */
export interface PerimeterOptions {
  /** The gateway's configuration (profile, origins, allowlist, budgets, session policy...). */
  config: GatewayConfig;
  /** The shared stores (sessions, budgets, lockdown switch, allowlist snapshot). */
  stores: Stores;
  /** The process's security-event recorder; refusals reach it through one bounded sink. */
  securityEvents: Pick<SecurityEventRecorder, "record">;
  /** The process's metrics (degraded answers are counted there). */
  metrics: Pick<Metrics, "recordDegraded">;
  /** Where what the perimeter starts is closed, in reverse order. */
  lifecycle: Lifecycle;
  logger: Logger;
}

/** A refusal of the perimeter: the public code (status or close code) and its security event. */
export interface PerimeterRefusal extends Refusal {
  /** The public code; HTTP answers with its status, graphql-ws with {@link closeCodeOf}. */
  readonly code: ErrorCode;
  /** What the client is told. */
  readonly message: string;
}

/** The perimeter of one gateway process: every admission decision, for every transport. */
export interface Perimeter {
  /** Client IP of a request or upgrade: the peer, or `X-Forwarded-For` from `TRUSTED_PROXIES`. */
  readonly clientIp: ClientIpResolver;
  /** Whether the caller is a superadmin (an admin of `CLERK_SUPERADMIN_ORG_ID`). */
  isSuperAdmin(identity: Identity): boolean;
  /**
   * The checks before any credential, for a connection from `ip` sent by `origin`: the IP
   * allowlist where the profile enforces it, then the Origin (absent: not a browser). Null
   * when both pass; the refusal is already recorded.
   */
  refuseConnection(facts: {
    ip: string;
    origin: string | undefined;
    requestId: string | null;
  }): PerimeterRefusal | null;
  /**
   * The IP allowlist for a caller at `ip` of `organizationId` (null: before any credential):
   * the global entries where the profile enforces them, then the organization's own ranges
   * where it restricts itself. Read from the replica's in-memory view at each call, so a
   * removed or expired entry stops admitting at once. Null when allowed; not recorded (the
   * caller records the refusal with its request's facts through {@link refuse}).
   */
  addressRefusal(ip: string, organizationId: string | null): AddressRefusal | null;
  /** Token, request budgets, the organization's ranges, then the session (see admit-caller). */
  readonly admitCaller: AdmitCaller;
  /**
   * The checks on one operation of an admitted caller, for an HTTP request once it is resolved
   * and for each graphql-ws subscribe alike: the lockdown's rule. Throws `LOCKDOWN_ACTIVE`.
   */
  admitOperation(identity: Identity, operation: "query" | "mutation" | "subscription"): void;
  /** Records a refusal through the one bounded sink (cut, cleaned, counted per window). */
  refuse(refusal: Refusal): void;
  /** Records an event that is not a refusal (a session started, an IP changed). */
  record(event: SecurityEventInput): void;
  readonly sessions: SessionStore;
  readonly ipAllowlist: IpAllowlist;
  readonly rateLimit: RateLimit;
  readonly lockdown: Lockdown;
  readonly limits: OperationLimits<GatewayContext>;
  /**
   * Records the open windows' refusal counts; refusals after it are recorded one by one.
   * Register it last with the lifecycle, so that it runs before anything that may wait on the
   * stores (a pub/sub unsubscribe while Redis is down).
   */
  close(): Promise<void>;
}

/**
 * Builds the perimeter (docs/architecture.md): client IP, IP allowlist,
 * Origin, token, session, budgets, lockdown and operation limits, each built once from the
 * configuration and shared by the HTTP and graphql-ws adapters, with one refusal sink. Starts
 * what follows the shared stores (allowlist, lockdown) and registers each with `lifecycle`.
 */
export async function createPerimeter(options: PerimeterOptions): Promise<Perimeter> {
  const { config, stores, lifecycle, logger } = options;
  const record = (event: SecurityEventInput): void =>
    void options.securityEvents
      .record(event)
      .catch((error: unknown) =>
        logger.error({ err: error, requestId: event.requestId }, "could not record security event"),
      );
  // Every refusal goes through one sink: what the client sent is cut and cleaned, and a flood
  // costs one event per (type, IP) and minute plus one that counts the rest.
  const refusals = createRefusalSink({
    recorder: options.securityEvents,
    onError: (error, event) =>
      logger.error({ err: error, requestId: event.requestId }, "could not record security event"),
  });
  const refuse = (refusal: Refusal): void => refusals.refuse(refusal);

  const clientIp = createClientIpResolver({ trustedProxies: config.trustedProxies });
  const sessions = new SessionStore(stores, config.sessionPolicy);
  const isSuperAdmin = (identity: Identity) =>
    isSuperAdminIdentity(identity, config.superAdminOrganizationId);

  const ipAllowlist = createIpAllowlist({
    stores,
    enforce: config.enforceIpAllowlist,
    bootstrap: config.ipAllowlistBootstrap,
    logger,
    onRefusal: (refusal) => refuse({ ...refusal, severity: "medium" }),
  });
  await ipAllowlist.ready();
  lifecycle.onShutdown("ip-allowlist", () => ipAllowlist.close());
  const originAllowed = createOriginCheck(
    config.allowedOrigins,
    config.profile === "admin" ? "ADMIN_ORIGINS" : "STOREFRONT_ORIGINS",
  );

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
          options.metrics.recordDegraded("anonymous-memory-rate-limit");
          logDegraded(error);
        },
      },
    }),
  });

  const addressRefusal = (ip: string, organizationId: string | null): AddressRefusal | null => {
    if (config.enforceIpAllowlist && !ipAllowlist.allows(ip, null)) {
      return {
        code: ErrorCode.IpNotAllowed,
        message: "Requests from this IP address are not allowed.",
        ...allowlistRefusal(null),
      };
    }
    if (
      organizationId &&
      ipAllowlist.restricts(organizationId) &&
      !ipAllowlist.allows(ip, organizationId)
    ) {
      return {
        code: ErrorCode.IpNotAllowed,
        message: "Your IP address is not allowed for this organization.",
        type: "ip_allowlist.refused",
        reason: "client IP outside the organization's allowlist",
      };
    }
    return null;
  };

  const admitCaller = createCallerAdmission({
    verifySessionToken: createSessionTokenVerifier({
      ...sessionTokenKeys(config),
      issuer: config.issuer,
      authorizedParties: config.authorizedParties,
    }),
    sessions,
    rateLimit,
    addressRefusal,
    record,
    refuse,
    logger,
  });

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
    onRefusal: (refusal) => refuse({ ...refusal, severity: "medium" }),
    clientIp,
    allowIntrospection: ({ identity }) =>
      config.introspection === "everyone" ||
      (config.introspection === "superadmin" &&
        config.profile === "admin" &&
        isSuperAdmin(identity)),
  });

  const refused = (refusal: Omit<PerimeterRefusal, "severity">): PerimeterRefusal => {
    const event = { ...refusal, severity: "medium" as const };
    refuse(event);
    return event;
  };

  return {
    clientIp,
    isSuperAdmin,
    addressRefusal,
    refuseConnection({ ip, origin, requestId }) {
      const address = addressRefusal(ip, null);
      if (address) return refused({ ...address, ip, requestId });
      if (origin !== undefined && !originAllowed(origin)) {
        return refused({
          code: ErrorCode.CorsOriginNotAllowed,
          message: "This origin is not allowed to call this API.",
          ...originRefusal(origin),
          ip,
          requestId,
        });
      }
      return null;
    },
    admitCaller,
    admitOperation(identity, operation) {
      lockdown.admit(identity, operation === "mutation");
    },
    refuse,
    record,
    sessions,
    ipAllowlist,
    rateLimit,
    lockdown,
    limits,
    close: () => refusals.close(),
  };
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
