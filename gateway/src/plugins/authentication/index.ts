import {
  anonymousIdentity,
  RampartError,
  SecurityLevel,
  type Identity,
  type Logger,
  type SecurityEventRecorder,
} from "@rampart/kit";
import { TokenRejected, type SessionTokenVerifier } from "../../auth/session-token";

/** Options for {@link createAuthentication}. */
export interface AuthenticationOptions {
  /** Verifies a Clerk session token. */
  verifySessionToken: SessionTokenVerifier;
  /** Where refusals are recorded. */
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
  /** Request id. */
  requestId: string;
}

/**
 * Authenticates a request: no `Authorization` header makes the caller anonymous; a bearer
 * token is verified, and an invalid one is refused (`UNAUTHENTICATED`, 401) and recorded.
 */
export function createAuthentication(options: AuthenticationOptions) {
  return async function authenticate(request: AuthenticationRequest): Promise<Identity> {
    const { authorization, ip, requestId } = request;
    if (authorization === undefined || authorization === "") return anonymousIdentity(requestId);
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    try {
      if (!match) throw new TokenRejected("authorization-not-bearer");
      const session = await options.verifySessionToken(match[1]);
      return {
        userId: session.userId,
        sessionId: session.sessionId,
        organizationId: session.organizationId,
        organizationSlug: session.organizationSlug,
        role: session.role,
        permissions: session.permissions,
        securityLevel: SecurityLevel.SignedIn,
        requestId,
      };
    } catch (error) {
      const reason = error instanceof TokenRejected ? error.message : "token-verification-error";
      if (!(error instanceof TokenRejected))
        options.logger.error({ err: error, requestId }, "token verification failed");
      options.logger.warn({ reason, ip, requestId }, "refused session token");
      await options.securityEvents
        .record({
          type: "authentication.failed",
          severity: "medium",
          actorId: null,
          organizationId: null,
          ip,
          reason,
          requestId,
        })
        .catch((recordError: unknown) =>
          options.logger.error({ err: recordError }, "could not record security event"),
        );
      throw RampartError.unauthenticated("The session token is invalid or expired.");
    }
  };
}
