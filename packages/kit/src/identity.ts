import { randomUUID, type KeyObject } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { RampartError } from "./errors";

/** How strongly the caller is authenticated (see DESIGN.md, request path step 7). */
export enum SecurityLevel {
  /** No credentials. */
  Anonymous = 0,
  /** A valid Clerk session token. */
  SignedIn = 1,
  /** Second factor verified during this session. */
  SecondFactor = 2,
  /** Second factor verified within the step-up window. */
  StepUp = 3,
}

/** Who is calling, as established by the gateway and asserted to subgraphs. */
export interface Identity {
  /** Clerk user id; null for anonymous callers. */
  readonly userId: string | null;
  /** Clerk session id (`sid`); null for anonymous callers. */
  readonly sessionId: string | null;
  /** Active organization id; null when none is active. */
  readonly organizationId: string | null;
  /** Active organization slug, when known. */
  readonly organizationSlug: string | null;
  /** Role in the active organization, Clerk style (`org:admin`). */
  readonly role: string | null;
  /** Permissions in the active organization (`org:feature:permission`). */
  readonly permissions: readonly string[];
  /** Security level of the session. */
  readonly securityLevel: SecurityLevel;
  /** Correlates logs across the gateway and subgraphs. */
  readonly requestId: string;
  /** Client IP as the gateway determined it; null when unknown. */
  readonly ip: string | null;
  /**
   * The platform session's version when the gateway admitted the request (with `ip`, what a
   * second-factor stamp must still find); absent for anonymous callers.
   */
  readonly sessionVersion?: number;
  /**
   * When the caller last proved the first factor (Clerk's `fva`), epoch ms; absent when the
   * token did not say. Sensitive changes such as 2FA enrollment require it to be recent.
   */
  readonly firstFactorAt?: number;
}

/** Builds the identity of a caller who presented no credentials. */
export function anonymousIdentity(requestId: string, ip: string | null = null): Identity {
  return {
    userId: null,
    sessionId: null,
    organizationId: null,
    organizationSlug: null,
    role: null,
    permissions: [],
    securityLevel: SecurityLevel.Anonymous,
    requestId,
    ip,
  };
}

/** The header that carries the identity assertion from the gateway to a subgraph. */
export const IDENTITY_HEADER = "rampart-identity";
/** `iss` of every identity assertion. */
export const IDENTITY_ISSUER = "rampart-gateway";
/** Lifetime of an assertion; short, since one is minted per subgraph call. */
export const IDENTITY_TTL_SECONDS = 60;

interface IdentityClaims {
  sid?: string;
  org?: string;
  slg?: string;
  rol?: string;
  per?: string[];
  lvl: number;
  rid: string;
  ip?: string;
  /** Session version. */
  sv?: number;
  /** First factor verified at, epoch ms. */
  ffa?: number;
}

/** Signs an Ed25519 JWS asserting `identity` to one subgraph (`audience`). */
export async function signIdentity(
  identity: Identity,
  audience: string,
  privateKey: KeyObject,
): Promise<string> {
  const claims: IdentityClaims = {
    lvl: identity.securityLevel,
    rid: identity.requestId,
    per: identity.permissions.length > 0 ? [...identity.permissions] : undefined,
    sid: identity.sessionId ?? undefined,
    org: identity.organizationId ?? undefined,
    slg: identity.organizationSlug ?? undefined,
    rol: identity.role ?? undefined,
    ip: identity.ip ?? undefined,
    sv: identity.sessionVersion,
    ffa: identity.firstFactorAt,
  };
  const jws = new SignJWT({ ...claims })
    .setProtectedHeader({ alg: "EdDSA", typ: "rampart-identity+jwt" })
    .setIssuer(IDENTITY_ISSUER)
    .setAudience(audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${IDENTITY_TTL_SECONDS}s`);
  if (identity.userId) jws.setSubject(identity.userId);
  return jws.sign(privateKey);
}

/**
 * Verifies an assertion meant for `audience` and returns the identity it carries.
 * Throws an `UNAUTHENTICATED` {@link RampartError} whose message is safe to return.
 */
export async function verifyIdentity(
  assertion: string | undefined,
  audience: string,
  publicKey: KeyObject,
): Promise<Identity> {
  if (!assertion) throw RampartError.unauthenticated("Missing gateway identity assertion.");
  try {
    const { payload } = await jwtVerify<IdentityClaims>(assertion, publicKey, {
      algorithms: ["EdDSA"],
      issuer: IDENTITY_ISSUER,
      audience,
      typ: "rampart-identity+jwt",
      requiredClaims: ["exp", "iat", "lvl", "rid"],
      maxTokenAge: `${IDENTITY_TTL_SECONDS + 5}s`,
    });
    const level = payload.lvl;
    if (!Number.isInteger(level) || !(level in SecurityLevel)) {
      throw RampartError.unauthenticated("Invalid gateway identity assertion.");
    }
    return {
      userId: payload.sub ?? null,
      sessionId: payload.sid ?? null,
      organizationId: payload.org ?? null,
      organizationSlug: payload.slg ?? null,
      role: payload.rol ?? null,
      permissions: Array.isArray(payload.per) ? payload.per.map(String) : [],
      securityLevel: level as SecurityLevel,
      requestId: String(payload.rid),
      ip: typeof payload.ip === "string" ? payload.ip : null,
      ...(Number.isSafeInteger(payload.sv) ? { sessionVersion: payload.sv } : {}),
      ...(Number.isSafeInteger(payload.ffa) ? { firstFactorAt: payload.ffa } : {}),
    };
  } catch (error) {
    if (error instanceof RampartError) throw error;
    if (error instanceof joseErrors.JOSEError) {
      throw RampartError.unauthenticated("Invalid gateway identity assertion.");
    }
    throw error;
  }
}
