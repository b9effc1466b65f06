import {
  anonymousIdentity,
  RampartError,
  SecurityLevel,
  type Identity,
  type Logger,
  type PlatformSession,
  type Refusal,
  type SecurityEventInput,
  type SessionStore,
} from "@rampart/kit";
import { TokenRejected, type SessionTokenVerifier } from "../auth/session-token";
import type { AddressRefusal } from "./ip-allowlist";
import type { RateLimit, RequestBudget } from "./rate-limit";

/** Options for {@link createCallerAdmission}. */
export interface CallerAdmissionOptions {
  /** Verifies a Clerk session token. */
  verifySessionToken: SessionTokenVerifier;
  /** Platform sessions (security levels, timeouts, revocation). */
  sessions: SessionStore;
  /** Request budgets, drawn on before any session write. */
  rateLimit: Pick<RateLimit, "admit">;
  /**
   * The IP allowlist for a caller at `ip` of `organizationId` (the perimeter's
   * `addressRefusal`: global entries where enforced, then the organization's own ranges).
   */
  addressRefusal(ip: string, organizationId: string | null): AddressRefusal | null;
  /** Records a session change (started, IP changed); never awaited. */
  record(event: SecurityEventInput): void;
  /** Records a refusal through the perimeter's one refusal sink (bounded, counted per window). */
  refuse(refusal: Refusal): void;
  /** Logger for refusal reasons (never the token). */
  logger: Logger;
}

/** What every transport knows about a caller before GraphQL: the facts admission decides on. */
export interface CallerFacts {
  /** The `Authorization` header (HTTP) or `connectionParams.authorization` (graphql-ws). */
  authorization: string | undefined;
  /** Client address, computed once from the peer and `TRUSTED_PROXIES`. */
  ip: string;
  /** `User-Agent`, if any. */
  userAgent: string | undefined;
  /** Request (or socket) id. */
  requestId: string;
}

/** An admitted caller: who, from where, what they drew on, and until when the token holds. */
export interface AdmittedCaller {
  readonly identity: Identity;
  readonly ip: string;
  /** The request budgets this admission drew on. */
  readonly budget: RequestBudget;
  /** The platform session, for signed-in callers. */
  readonly session: PlatformSession | null;
  /** Epoch ms at which the presented token expires; null for anonymous callers. */
  readonly tokenExpiresAt: number | null;
}

/** Admits one caller, or throws a typed refusal ({@link RampartError}). */
export type AdmitCaller = (facts: CallerFacts) => Promise<AdmittedCaller>;

/**
 * The caller half of the perimeter, shared by HTTP and graphql-ws, in this order:
 * 1. no credentials: anonymous, on the anonymous budget;
 * 2. the token is verified; a bad one first spends the anonymous budget (so token guessing is
 *    limited, and a flood is refused before it is recorded), then is refused (401);
 * 3. the caller's request budgets are drawn on, before the session is touched: a refused
 *    request never writes the session;
 * 4. the IP allowlist: the global entries where the profile enforces them, and an organization
 *    that restricts itself to its own ranges refuses other IPs (403);
 * 5. the platform session is resumed (compare-and-set; refused when revoked or expired).
 */
export function createCallerAdmission(options: CallerAdmissionOptions): AdmitCaller {
  const { logger, record, refuse } = options;

  const admitAnonymous = async (ip: string, requestId: string) => {
    const identity = anonymousIdentity(requestId, ip);
    return { identity, budget: await options.rateLimit.admit(identity, ip) };
  };

  return async function admitCaller(facts) {
    const { authorization, ip, requestId } = facts;
    if (authorization === undefined || authorization === "") {
      const { identity, budget } = await admitAnonymous(ip, requestId);
      return { identity, ip, budget, session: null, tokenExpiresAt: null };
    }
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    let verified;
    try {
      if (!match) throw new TokenRejected("authorization-not-bearer");
      verified = await options.verifySessionToken(match[1]);
    } catch (error) {
      if (!(error instanceof TokenRejected))
        logger.error({ err: error, requestId }, "token verification failed");
      // A caller over the anonymous budget gets 429 and no second event.
      await admitAnonymous(ip, requestId);
      const reason = error instanceof TokenRejected ? error.message : "token-verification-error";
      logger.warn({ reason, ip, requestId }, "refused session token");
      refuse({
        type: "authentication.failed",
        severity: "medium",
        actorId: null,
        organizationId: null,
        ip,
        reason,
        requestId,
      });
      throw RampartError.unauthenticated("The session token is invalid or expired.");
    }

    const actor = {
      actorId: verified.userId,
      organizationId: verified.organizationId,
      ip,
      requestId,
    };
    const claimed: Identity = {
      userId: verified.userId,
      sessionId: verified.sessionId,
      organizationId: verified.organizationId,
      organizationSlug: verified.organizationSlug,
      role: verified.role,
      permissions: verified.permissions,
      // Budgets do not depend on the level; the session sets the real one below.
      securityLevel: SecurityLevel.SignedIn,
      requestId,
      ip,
      ...(verified.firstFactorAt === null ? {} : { firstFactorAt: verified.firstFactorAt }),
    };
    // The session is read alongside the budget decision (one round trip to Redis with
    // auto-pipelining), and only used, or written, once the budget admits the request.
    const sessionRead = options.sessions.read(verified.sessionId, verified.userId);
    sessionRead.catch(() => undefined); // a refused budget leaves the read unused
    const budget = await options.rateLimit.admit(claimed, ip);
    const address = options.addressRefusal(ip, claimed.organizationId);
    if (address) {
      const { code, message, ...event } = address;
      refuse({ ...actor, ...event, severity: "medium" });
      throw new RampartError(code, message);
    }

    const resumed = await options.sessions.resume(
      {
        sessionId: verified.sessionId,
        userId: verified.userId,
        organizationId: verified.organizationId,
        firstFactorAt: verified.firstFactorAt,
      },
      { ip, userAgent: facts.userAgent ?? null },
      undefined,
      sessionRead,
    );
    if (!resumed.ok) {
      logger.warn(
        { reason: resumed.reason, ip, requestId, sessionId: verified.sessionId },
        "refused session",
      );
      refuse({ ...actor, type: "session.refused", severity: "medium", reason: resumed.reason });
      throw RampartError.unauthenticated("Your session has ended. Sign in again.");
    }
    if (resumed.created) {
      // The security subgraph's metrics read the role from `reason` (`role=<Clerk role>` or
      // `role=none`): admins' 2FA adoption and the authentication success rate.
      record({
        ...actor,
        type: "session.started",
        severity: "info",
        reason: `role=${verified.role ?? "none"}`,
      });
    }
    if (resumed.ipChanged) {
      record({
        ...actor,
        type: "session.ip_changed",
        severity: "medium",
        reason: "client IP changed; security level dropped to 1",
      });
    }
    const identity: Identity = {
      ...claimed,
      securityLevel: resumed.level,
      sessionVersion: resumed.session.version,
    };
    return {
      identity,
      ip,
      budget,
      session: resumed.session,
      tokenExpiresAt: verified.expiresAt * 1000,
    };
  };
}
