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
  /** When the user last proved the first factor (Clerk's `fva`), epoch ms; null when unknown. */
  readonly firstFactorAt: number | null;
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
  /** Verified tokens kept until they expire, so each is verified once. Default 10,000; 0 turns it off. */
  cacheSize?: number;
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
  const verified = new VerifiedTokenCache(options.cacheSize ?? 10_000);

  const verifyUncached = async (token: string): Promise<VerifiedSession> => {
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
    if (claims.sts !== undefined && claims.sts !== "active") {
      throw new TokenRejected(`session-status-${String(claims.sts)}`);
    }
    if (typeof claims.sub !== "string" || typeof claims.sid !== "string") {
      throw new TokenRejected("token-missing-subject");
    }
    return sessionFromClaims(claims);
  };

  return async (token) => {
    const cached = verified.get(token);
    if (cached) return cached;
    const session = await verifyUncached(token);
    verified.set(token, session);
    return session;
  };
}

/**
 * Tokens already verified, until they expire. A token is immutable and its signature, issuer,
 * party and times were checked once; revocation is the session store's job, checked on every
 * request. Bounded: the oldest entries go first.
 */
class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedSession>();

  constructor(private readonly capacity: number) {}

  get(token: string): VerifiedSession | undefined {
    const session = this.entries.get(token);
    if (session && session.expiresAt * 1000 <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return session;
  }

  set(token: string, session: VerifiedSession): void {
    if (this.capacity === 0) return;
    const oldest = this.entries.keys().next();
    if (this.entries.size >= this.capacity && !oldest.done) this.entries.delete(oldest.value);
    this.entries.set(token, session);
  }
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
    firstFactorAt: firstFactorAt(claims.iat, auth.factorVerificationAge),
  };
}

/**
 * Clerk's `fva` is `[minutes since the first factor, minutes since the second (-1: never)]`,
 * counted when the token was issued (`iat`).
 */
function firstFactorAt(issuedAt: number, age: readonly number[] | null | undefined): number | null {
  const minutes = age?.[0];
  if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0) return null;
  return (issuedAt - minutes * 60) * 1000;
}
