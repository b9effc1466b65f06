import {
  anonymousIdentity,
  RampartError,
  type Identity,
  type Logger,
  type SecurityEventInput,
  type SecurityEventRecorder,
  type SessionStore,
} from "@rampart/kit";
import { TokenRejected, type SessionTokenVerifier } from "../../auth/session-token";

/** Options for {@link createAuthentication}. */
export interface AuthenticationOptions {
  /** Verifies a Clerk session token. */
  verifySessionToken: SessionTokenVerifier;
  /** Platform sessions (security levels, timeouts, revocation). */
  sessions: SessionStore;
  /** Where refusals and session changes are recorded. */
  securityEvents: SecurityEventRecorder;
  /** Logger for refusal reasons (never the token). */
  logger: Logger;
}

/** What authentication needs to know about a request. */
export interface AuthenticationRequest {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** Client address. */
  ip: string;
  /** `User-Agent`, if any. */
  userAgent: string | undefined;
  /** Request id. */
  requestId: string;
}

/**
 * Authenticates a request: no `Authorization` header makes the caller anonymous; a bearer
 * token is verified and its platform session resumed. An invalid token, or a revoked or
 * expired session, is refused (`UNAUTHENTICATED`, 401) and recorded as a security event.
 */
export function createAuthentication(options: AuthenticationOptions) {
  const { logger, securityEvents } = options;
  const record = (event: SecurityEventInput) =>
    securityEvents
      .record(event)
      .catch((error: unknown) => logger.error({ err: error }, "could not record security event"));

  return async function authenticate(request: AuthenticationRequest): Promise<Identity> {
    const { authorization, ip, requestId } = request;
    if (authorization === undefined || authorization === "")
      return anonymousIdentity(requestId, ip);
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    let verified;
    try {
      if (!match) throw new TokenRejected("authorization-not-bearer");
      verified = await options.verifySessionToken(match[1]);
    } catch (error) {
      const reason = error instanceof TokenRejected ? error.message : "token-verification-error";
      if (!(error instanceof TokenRejected))
        logger.error({ err: error, requestId }, "token verification failed");
      logger.warn({ reason, ip, requestId }, "refused session token");
      await record({
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

    const resumed = await options.sessions.resume(
      {
        sessionId: verified.sessionId,
        userId: verified.userId,
        organizationId: verified.organizationId,
      },
      { ip, userAgent: request.userAgent ?? null },
    );
    const actor = {
      actorId: verified.userId,
      organizationId: verified.organizationId,
      ip,
      requestId,
    };
    if (!resumed.ok) {
      logger.warn(
        { reason: resumed.reason, ip, requestId, sessionId: verified.sessionId },
        "refused session",
      );
      await record({
        ...actor,
        type: "session.refused",
        severity: "medium",
        reason: resumed.reason,
      });
      throw RampartError.unauthenticated("Your session has ended. Sign in again.");
    }
    if (resumed.created) {
      // The security subgraph's metrics read the role from `reason` (`role=<Clerk role>` or
      // `role=none`): admins' 2FA adoption and the authentication success rate.
      await record({
        ...actor,
        type: "session.started",
        severity: "info",
        reason: `role=${verified.role ?? "none"}`,
      });
    }
    if (resumed.ipChanged) {
      await record({
        ...actor,
        type: "session.ip_changed",
        severity: "medium",
        reason: "client IP changed; security level dropped to 1",
      });
    }
    return {
      userId: verified.userId,
      sessionId: verified.sessionId,
      organizationId: verified.organizationId,
      organizationSlug: verified.organizationSlug,
      role: verified.role,
      permissions: verified.permissions,
      securityLevel: resumed.level,
      requestId,
      ip,
    };
  };
}
