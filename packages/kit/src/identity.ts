import { createHash, randomUUID, type KeyObject } from "node:crypto";
import { createSigner } from "fast-jwt";
import { jwtVerify, errors as joseErrors } from "jose";
import { RampartError } from "./errors";
import type { KeyValueStore } from "./stores/types";
import type { IdentityKeyResolver, IdentitySigner } from "./identity-keys/key-sets";
import { identityKeyId } from "./identity-keys/ring";

/** How strongly the caller is authenticated (docs/architecture.md, "A request, as built"). */
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

/**
 * What a subgraph is asked to execute: the fields of a GraphQL-over-HTTP body, or of a
 * graphql-ws `subscribe` payload. An assertion is bound to exactly one of these.
 */
export interface SubgraphOperation {
  /** The document. */
  readonly query?: unknown;
  /** The operation to run. */
  readonly operationName?: unknown;
  /** The variables. */
  readonly variables?: unknown;
  /** Protocol extensions (persisted queries and the like), which also decide what runs. */
  readonly extensions?: unknown;
}

/**
 * SHA-256 (base64url) of an operation: its four fields as one JSON array, an absent field as
 * null. The gateway hashes the object it is about to serialize, the subgraph the object it
 * parsed; JSON.stringify of a parsed JSON value gives back the same text (same key order, same
 * numbers), so both sides agree without hashing raw bytes the gateway's HTTP client writes.
 */
export function operationDigest(operation: SubgraphOperation): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        operation.query ?? null,
        operation.operationName ?? null,
        operation.variables ?? null,
        operation.extensions ?? null,
      ]),
    )
    .digest("base64url");
}

interface IdentityClaims {
  /** {@link operationDigest} of the one operation the assertion travels with. */
  oph: string;
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

/** Media type of an identity assertion (the JWS `typ` header). */
const ASSERTION_TYPE = "rampart-identity+jwt";

type AssertionSigner = (payload: Record<string, unknown>) => string;

/** One signer per key and audience: fast-jwt prepares the key and the fixed claims once. */
const signers = new WeakMap<KeyObject, Map<string, AssertionSigner>>();
/** Key ids of bare keys handed to {@link signIdentity}, computed once per key. */
const keyIds = new WeakMap<KeyObject, string>();

function signerFor(privateKey: KeyObject, kid: string, audience: string): AssertionSigner {
  let byAudience = signers.get(privateKey);
  if (!byAudience) {
    byAudience = new Map();
    signers.set(privateKey, byAudience);
  }
  let signer = byAudience.get(audience);
  if (!signer) {
    signer = createSigner({
      key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      algorithm: "EdDSA",
      header: { alg: "EdDSA", typ: ASSERTION_TYPE, kid },
      iss: IDENTITY_ISSUER,
      aud: audience,
      expiresIn: IDENTITY_TTL_SECONDS * 1000,
    });
    byAudience.set(audience, signer);
  }
  return signer;
}

/**
 * Signs an Ed25519 JWS asserting `identity` to one subgraph (`audience`) for one `operation`:
 * the subgraph accepts it only with that operation, and only once (a fresh `jti` each time).
 * Synchronous: Node's own Ed25519 signature (through fast-jwt) costs a third of a WebCrypto
 * one, and one is made per subgraph fetch. `key` is a private key or a signer (the gateway's
 * {@link IdentitySigner}, which follows key rotations); its key id goes in the `kid` header.
 */
export function signIdentity(
  identity: Identity,
  audience: string,
  key: KeyObject | IdentitySigner,
  operation: SubgraphOperation,
): string {
  let privateKey: KeyObject;
  let kid: string | undefined;
  if ("current" in key) {
    ({ privateKey, kid } = key.current());
  } else {
    privateKey = key;
    kid = keyIds.get(key);
    if (kid === undefined) keyIds.set(key, (kid = identityKeyId(key)));
  }
  const claims: IdentityClaims & { sub?: string; jti: string } = {
    oph: operationDigest(operation),
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
    sub: identity.userId ?? undefined,
    jti: randomUUID(),
  };
  return signerFor(privateKey, kid, audience)(claims as unknown as Record<string, unknown>);
}

/** An assertion whose signature and claims were verified; not yet bound nor used up. */
export interface VerifiedAssertion {
  /** The caller it asserts. */
  readonly identity: Identity;
  /** `jti`: unique per assertion, accepted once ({@link AssertionReplayGuard}). */
  readonly id: string;
  /** `exp` in epoch ms: until then, a replay must still be refused. */
  readonly expiresAt: number;
  /** {@link operationDigest} of the operation it was signed for ({@link checkOperationBinding}). */
  readonly operationDigest: string;
}

/**
 * Verifies the signature and claims of an assertion meant for `audience`. The binding and
 * single use are separate steps ({@link checkOperationBinding}, {@link AssertionReplayGuard}):
 * on a socket, the operation arrives after the assertion. `keys` is the gateway's public key
 * or a resolver by `kid` (a subgraph's {@link IdentityKeyResolver}, which follows key
 * rotations; a synchronous lookup). Throws an `UNAUTHENTICATED` {@link RampartError} whose
 * message is safe to return.
 */
export async function verifyAssertion(
  assertion: string | undefined,
  audience: string,
  keys: KeyObject | IdentityKeyResolver,
): Promise<VerifiedAssertion> {
  if (!assertion) throw RampartError.unauthenticated("Missing gateway identity assertion.");
  const key =
    "resolve" in keys
      ? (header: { kid?: string }) => {
          const resolved = keys.resolve(header.kid);
          if (!resolved) throw RampartError.unauthenticated("Invalid gateway identity assertion.");
          return resolved;
        }
      : keys;
  try {
    const { payload } = await jwtVerify<IdentityClaims>(assertion, key, {
      algorithms: ["EdDSA"],
      issuer: IDENTITY_ISSUER,
      audience,
      typ: ASSERTION_TYPE,
      requiredClaims: ["exp", "iat", "jti", "lvl", "rid", "oph"],
      maxTokenAge: `${IDENTITY_TTL_SECONDS + 5}s`,
    });
    const level = payload.lvl;
    if (!Number.isInteger(level) || !(level in SecurityLevel)) {
      throw RampartError.unauthenticated("Invalid gateway identity assertion.");
    }
    if (typeof payload.jti !== "string" || typeof payload.oph !== "string") {
      throw RampartError.unauthenticated("Invalid gateway identity assertion.");
    }
    const identity: Identity = {
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
    return {
      identity,
      id: payload.jti,
      expiresAt: (payload.exp as number) * 1000,
      operationDigest: payload.oph,
    };
  } catch (error) {
    if (error instanceof RampartError) throw error;
    if (error instanceof joseErrors.JOSEError) {
      throw RampartError.unauthenticated("Invalid gateway identity assertion.");
    }
    throw error;
  }
}

/**
 * Refuses (`UNAUTHENTICATED`) an assertion presented with another operation than the one it was
 * signed for: a captured assertion cannot carry a different query or different variables.
 */
export function checkOperationBinding(
  verified: VerifiedAssertion,
  operation: SubgraphOperation,
): void {
  if (operationDigest(operation) !== verified.operationDigest) {
    throw RampartError.unauthenticated("The gateway identity assertion is for another operation.");
  }
}

/**
 * Accepts each assertion once per audience: its `jti` goes into the shared stores (so every
 * replica of the subgraph sees it) until the assertion expires, and a second arrival within
 * that time is refused. One assertion is minted per subgraph fetch and the gateway's fetches
 * are not retried, so a second arrival is always a replay.
 */
export class AssertionReplayGuard {
  readonly #kv: Pick<KeyValueStore, "set">;
  readonly #audience: string;
  readonly #clock: () => number;
  /** `jti` → `exp` of anonymous assertions used while the shared stores were down. */
  readonly #usedDuringOutage = new Map<string, number>();

  /** `kv`: the shared stores' key-value store; `clock` in ms, default `Date.now`. */
  constructor(kv: Pick<KeyValueStore, "set">, audience: string, clock: () => number = Date.now) {
    this.#kv = kv;
    this.#audience = audience;
    this.#clock = clock;
  }

  /**
   * Marks the assertion used; `UNAUTHENTICATED` when it was used before. When the stores cannot
   * answer, `SERVICE_UNAVAILABLE` for every signed-in caller: an unchecked assertion is not
   * accepted. An anonymous caller's assertion is checked against this replica's own memory
   * instead (the gateway's degraded mode for anonymous reads): replaying one across replicas
   * during an outage gains nothing an anonymous request would not get.
   */
  async consume(verified: VerifiedAssertion): Promise<void> {
    const now = this.#clock();
    // Kept a second past `exp` (whole seconds) so the entry cannot lapse while jose still
    // accepts the assertion.
    const ttlMs = Math.max(1, verified.expiresAt - now + 1_000);
    let first: boolean;
    try {
      first = await this.#kv.set(`identity:jti:${this.#audience}:${verified.id}`, "1", {
        ttlMs,
        onlyIfAbsent: true,
      });
    } catch {
      if (verified.identity.securityLevel !== SecurityLevel.Anonymous)
        throw RampartError.unavailable("The gateway identity replay check");
      first = this.#consumeLocally(verified.id, now + ttlMs, now);
    }
    if (!first)
      throw RampartError.unauthenticated("The gateway identity assertion was used before.");
  }

  /** The outage fallback: single use in this process, bounded by the assertions' lifetime. */
  #consumeLocally(id: string, keepUntil: number, now: number): boolean {
    for (const [used, until] of this.#usedDuringOutage) {
      if (until > now) break; // insertion order is (nearly) expiry order
      this.#usedDuringOutage.delete(used);
    }
    if (this.#usedDuringOutage.has(id)) return false;
    this.#usedDuringOutage.set(id, keepUntil);
    return true;
  }
}

/**
 * Verifies an assertion meant for `audience` that arrived with `operation`, and uses it up:
 * signature and claims, the operation binding, then single use (last, so a call refused for a
 * wrong operation does not spend the assertion of the call it was captured from). Returns the
 * identity; throws an `UNAUTHENTICATED` {@link RampartError} whose message is safe to return.
 */
export async function verifyIdentity(
  assertion: string | undefined,
  audience: string,
  keys: KeyObject | IdentityKeyResolver,
  call: { operation: SubgraphOperation; replayGuard: AssertionReplayGuard },
): Promise<Identity> {
  const verified = await verifyAssertion(assertion, audience, keys);
  checkOperationBinding(verified, call.operation);
  await call.replayGuard.consume(verified);
  return verified.identity;
}

/** Clerk names roles and permissions with an `org:` prefix; accept them with or without. */
export const withOrgPrefix = (name: string): string =>
  name.startsWith("org:") ? name : `org:${name}`;

/**
 * Whether a caller is a platform superadmin: an admin of the superadmin organization
 * (`CLERK_SUPERADMIN_ORG_ID`). The one definition, used by the rule and by the gateway.
 */
export function isSuperAdminIdentity(
  identity: Identity,
  superAdminOrganizationId: string | null,
): boolean {
  return (
    superAdminOrganizationId !== null &&
    identity.userId !== null &&
    identity.organizationId === superAdminOrganizationId &&
    identity.role !== null &&
    withOrgPrefix(identity.role) === "org:admin"
  );
}
