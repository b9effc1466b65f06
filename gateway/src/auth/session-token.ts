import { verifyToken } from "@clerk/backend";
import { __experimental_JWTPayloadToAuthObjectProperties as authPropertiesOf } from "@clerk/shared/jwtPayloadParser";
import type { JwtPayload } from "@clerk/shared/types";

/** A verified Clerk session: who, which session, and the active organization. */
export interface VerifiedSession {
  /** Clerk user id (`sub`). */
  readonly userId: string;
  /** Clerk session id (`sid`). */
  readonly sessionId: string;
  /** Active organization, when one is selected. */
  readonly organizationId: string | null;
  readonly organizationSlug: string | null;
  /** Role in the active organization, `org:` prefixed (v1 and v2 claims alike). */
  readonly role: string | null;
  /** Permissions in the active organization. */
  readonly permissions: readonly string[];
  /** Token expiry, seconds since the epoch. */
  readonly expiresAt: number;
}

/** Why a presented token was refused; logged, never returned with the token. */
export class TokenRejected extends Error {
  override readonly name = "TokenRejected";
}

/** Options for {@link createSessionTokenVerifier}. */
export interface SessionTokenVerifierOptions {
  /** PEM public key for networkless verification. */
  jwtKey?: string;
  /** Clerk secret key, to fetch the JWKS instead. */
  secretKey?: string;
  /** Expected `iss`. */
  issuer: string;
  /** Accepted `azp` values. */
  authorizedParties: readonly string[];
  /** Allowed clock skew in ms. Default 5000 (Clerk's default). */
  clockSkewInMs?: number;
}

/** Verifies a Clerk session token; rejects with {@link TokenRejected}. */
export type SessionTokenVerifier = (token: string) => Promise<VerifiedSession>;

/**
 * Verifies Clerk session tokens with `@clerk/backend`: signature (RS256), `exp`, `nbf`, `iss`
 * and `azp`, which Clerk checks only when present, so a token without one is refused here.
 * A session whose status (`sts`) is anything but active is refused.
 */
export function createSessionTokenVerifier(
  options: SessionTokenVerifierOptions,
): SessionTokenVerifier {
  return async (token) => {
    let claims: JwtPayload;
    try {
      claims = await verifyToken(token, {
        jwtKey: options.jwtKey,
        secretKey: options.jwtKey ? undefined : options.secretKey,
        issuer: options.issuer,
        authorizedParties: [...options.authorizedParties],
        clockSkewInMs: options.clockSkewInMs,
      });
    } catch (error) {
      // Clerk's TokenVerificationError carries a machine-readable reason.
      throw new TokenRejected((error as { reason?: string }).reason ?? "token-invalid");
    }
    if (typeof claims.azp !== "string" || claims.azp === "")
      throw new TokenRejected("token-missing-azp");
    if (claims.sts !== undefined && claims.sts !== "active")
      throw new TokenRejected(`session-status-${String(claims.sts)}`);
    if (typeof claims.sub !== "string" || typeof claims.sid !== "string")
      throw new TokenRejected("token-missing-subject");
    return sessionFromClaims(claims);
  };
}

/** Reads user, session and organization from v1 (`org_*`) or v2 (`o`) claims. */
export function sessionFromClaims(claims: JwtPayload): VerifiedSession {
  const auth = authPropertiesOf(claims);
  return {
    userId: claims.sub,
    sessionId: String(claims.sid),
    organizationId: auth.orgId ?? null,
    organizationSlug: auth.orgSlug ?? null,
    role: auth.orgRole ?? null,
    permissions: auth.orgPermissions ?? [],
    expiresAt: claims.exp,
  };
}
