import { rule, type and } from "graphql-shield";
import { chain } from "./chain";
import type { AccessSettings } from "../../config";
import { RampartError } from "../../errors";
import { isSuperAdminIdentity, SecurityLevel, withOrgPrefix, type Identity } from "../../identity";
import type { Logger } from "../../logger";
import type { SecurityEventRecorder } from "../../security-events";

/** A graphql-shield rule or a logic rule built from them (`and`, `or`, `chain`, `not`). */
export type ShieldRule = Parameters<typeof and>[number];

/** Options for {@link createRules}; both default to the fail-closed choice. */
export interface RuleOptions {
  /**
   * Clerk organization whose admins are platform superadmins (`CLERK_SUPERADMIN_ORG_ID`).
   * Default null: nobody is a superadmin.
   */
  superAdminOrganizationId?: string | null;
  /** Whether `adminOnly` also demands a verified second factor (`ADMIN_REQUIRE_2FA`). Default true. */
  adminRequiresSecondFactor?: boolean;
}

/** {@link RuleOptions} from the access settings every subgraph's configuration carries. */
export const ruleOptionsFrom = (
  settings: Pick<AccessSettings, "CLERK_SUPERADMIN_ORG_ID" | "ADMIN_REQUIRE_2FA">,
): RuleOptions => ({
  superAdminOrganizationId: settings.CLERK_SUPERADMIN_ORG_ID,
  adminRequiresSecondFactor: settings.ADMIN_REQUIRE_2FA,
});

/** The organization a rule compares with: a fixed id, or the value of a field argument. */
export type OrganizationRef = string | { readonly arg: string };

/** The shared authorization rules; every refusal is a typed {@link RampartError}. */
export interface Rules {
  /** A signed-in caller. Refuses anonymous callers with `UNAUTHENTICATED`. */
  readonly isAuthenticated: ShieldRule;
  /**
   * A caller with an active organization; with `organization`, that organization must be the
   * given id (`"org_..."`) or the value of the given argument (`{ arg: "organizationId" }`).
   */
  isMemberOf(organization?: OrganizationRef): ShieldRule;
  /** A caller whose role in the active organization is one of `roles` (`admin` or `org:admin`). */
  hasRole(...roles: string[]): ShieldRule;
  /** A caller holding every one of `permissions` (`orders:read` or `org:orders:read`). */
  hasPermission(...permissions: string[]): ShieldRule;
  /** An admin of the configured superadmin organization, acting in it. */
  readonly isSuperAdmin: ShieldRule;
  /** A session whose second factor is verified (level >= SecondFactor); else `STEP_UP_REQUIRED`. */
  readonly hasSecondFactor: ShieldRule;
  /**
   * A second factor verified within the step-up window (level StepUp; the gateway owns the
   * window, `STEP_UP_WINDOW_SECONDS`); else `STEP_UP_REQUIRED`.
   */
  readonly recentlyVerified: ShieldRule;
  /** {@link Rules.isSuperAdmin}, plus {@link Rules.hasSecondFactor} when admins need 2FA. */
  readonly adminOnly: ShieldRule;
  /** The parent object carries `organizationId` equal to the caller's active organization. */
  readonly ownsTenant: ShieldRule;
  /** The parent object is the caller's active organization itself (`parent.id`). */
  readonly isOwnOrganization: ShieldRule;
  /**
   * The parent object is the caller's organization, or the caller passes `adminOnly` (one rule,
   * not `or(...)`: a branch of `or` that fails would record a refusal although the rule passed).
   */
  readonly isOwnOrganizationOrAdmin: ShieldRule;
  /**
   * The parent object carries `organizationId` equal to the caller's active organization, or
   * the caller passes `adminOnly` (one rule, for the same reason as `isOwnOrganizationOrAdmin`).
   */
  readonly ownsTenantOrAdmin: ShieldRule;
  /** The parent object carries `userId` equal to the caller's user id. */
  readonly ownsRecord: ShieldRule;
  /** The parent object is the caller's own user (`parent.id`). */
  readonly isSelf: ShieldRule;
  /** Refuses everyone: `UNAUTHENTICATED` when anonymous, `FORBIDDEN` otherwise. */
  readonly deny: ShieldRule;
}

/** The part of a resolver context the rules read (a `SubgraphContext` has it). */
export interface RuleContext {
  readonly identity?: Identity;
  readonly runtime?: { readonly securityEvents?: SecurityEventRecorder; readonly logger?: Logger };
}

/** Rules already recorded per request, so a list of refused objects is one event per rule. */
const recordedRefusals = new WeakMap<object, Set<string>>();

/**
 * Every refusal is a security event: recorded once per rule and request, never awaited. A
 * subgraph's own rules record theirs through it too, so that one request naming a thousand
 * refused objects (a list, `_entities` representations) writes one event, not a thousand.
 */
export function recordRuleRefusal(
  ruleName: string,
  context: RuleContext,
  refusal: RampartError,
): void {
  const recorder = context?.runtime?.securityEvents;
  if (!recorder) return;
  const recorded = recordedRefusals.get(context) ?? new Set<string>();
  if (recorded.has(ruleName)) return;
  recorded.add(ruleName);
  recordedRefusals.set(context, recorded);
  const identity = context.identity;
  recorder
    .record({
      type: "authorization.denied",
      severity: "medium",
      actorId: identity?.userId ?? null,
      organizationId: identity?.organizationId ?? null,
      ip: identity?.ip ?? null,
      reason: `${ruleName}: ${refusal.code}`,
      requestId: identity?.requestId ?? null,
    })
    .catch((error: unknown) =>
      context.runtime?.logger?.error({ err: error }, "could not record security event"),
    );
}

/** A check that records its refusals. */
const recording =
  (ruleName: string, check: Check): Check =>
  (parent, args, context) => {
    const result = check(parent, args, context);
    if (result !== true) recordRuleRefusal(ruleName, context, result);
    return result;
  };

type Check = (
  parent: unknown,
  args: Record<string, unknown>,
  context: RuleContext,
) => true | RampartError;

const identityOf = (context: unknown): Identity | null =>
  (context as RuleContext | undefined)?.identity ?? null;

/** Both the user id and the level must say so; a disagreement counts as anonymous. */
const isSignedIn = (identity: Identity | null): identity is Identity & { userId: string } =>
  identity !== null &&
  typeof identity.userId === "string" &&
  identity.securityLevel >= SecurityLevel.SignedIn;

const signInFirst = () => RampartError.unauthenticated("Sign in to do this.");

/** The refusal for a caller who lacks something: sign in first, or not allowed. */
export function refusalFor(context: unknown, message?: string): RampartError {
  return isSignedIn(identityOf(context)) ? RampartError.forbidden(message) : signInFirst();
}

/** The fallback rule's check, shared so every `deny` instance is the same rule to shield. */
const denyCheck: Check = (_parent, _args, context) => refusalFor(context);

/** The rule shield falls back to for fields the rule tree does not name. */
export const createDenyRule = (): ShieldRule =>
  rule("deny", { cache: "contextual" })(recording("deny", denyCheck));

const parentField = (parent: unknown, field: string): unknown =>
  typeof parent === "object" && parent !== null
    ? (parent as Record<string, unknown>)[field]
    : undefined;

/**
 * Builds the rule library. Identity-only rules are cached per request (`contextual`); rules
 * that read the parent object are evaluated for every field (`no_cache`). Parameterized rules
 * are memoized by name, since shield refuses two different rules with one name and caches by
 * name.
 */
export function createRules(options: RuleOptions = {}): Rules {
  const superAdminOrganizationId = options.superAdminOrganizationId ?? null;
  const adminRequiresSecondFactor = options.adminRequiresSecondFactor ?? true;
  const memo = new Map<string, ShieldRule>();
  const once = (name: string, make: () => ShieldRule): ShieldRule => {
    let existing = memo.get(name);
    if (!existing) {
      existing = make();
      memo.set(name, existing);
    }
    return existing;
  };
  const contextual = (name: string, check: Check) =>
    once(name, () => rule(name, { cache: "contextual" })(recording(name, check)));
  const perParent = (name: string, check: Check) =>
    once(name, () => rule(name, { cache: "no_cache" })(recording(name, check)));

  const isAuthenticated = contextual("isAuthenticated", (_p, _a, context) =>
    isSignedIn(identityOf(context)) ? true : signInFirst(),
  );

  const isMemberOf = (organization?: OrganizationRef): ShieldRule => {
    if (organization === undefined) {
      return contextual("isMemberOf", (_p, _a, context) => {
        const identity = identityOf(context);
        if (!isSignedIn(identity)) return signInFirst();
        return identity.organizationId
          ? true
          : RampartError.forbidden("Select an organization first.");
      });
    }
    const expected = (args: Record<string, unknown>): unknown =>
      typeof organization === "string" ? organization : args[organization.arg];
    const check: Check = (_p, args, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      if (!identity.organizationId) return RampartError.forbidden("Select an organization first.");
      return identity.organizationId === expected(args)
        ? true
        : RampartError.forbidden("You are not a member of this organization.");
    };
    if (typeof organization === "string") {
      return contextual(`isMemberOf(${organization})`, check);
    }
    // The answer depends on one argument: cache per value of it, not per request.
    const name = `isMemberOf(arg:${organization.arg})`;
    return once(name, () =>
      rule(name, {
        cache: (_parent: unknown, args: Record<string, unknown>) =>
          JSON.stringify(args[organization.arg] ?? null),
      })(check),
    );
  };

  const hasRole = (...roles: string[]): ShieldRule => {
    if (roles.length === 0) throw new Error("hasRole needs at least one role.");
    const accepted = [...new Set(roles.map(withOrgPrefix))].sort();
    return contextual(`hasRole(${accepted.join("|")})`, (_p, _a, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      const role = identity.organizationId && identity.role ? withOrgPrefix(identity.role) : null;
      return role !== null && accepted.includes(role)
        ? true
        : RampartError.forbidden("Your role does not allow this.");
    });
  };

  const hasPermission = (...permissions: string[]): ShieldRule => {
    if (permissions.length === 0) throw new Error("hasPermission needs at least one permission.");
    const required = [...new Set(permissions.map(withOrgPrefix))].sort();
    return contextual(`hasPermission(${required.join("&")})`, (_p, _a, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      const held = new Set(identity.organizationId ? identity.permissions.map(withOrgPrefix) : []);
      return required.every((permission) => held.has(permission))
        ? true
        : RampartError.forbidden("You lack a permission this needs.");
    });
  };

  const isSuperAdmin = contextual("isSuperAdmin", (_p, _a, context) => {
    const identity = identityOf(context);
    if (!isSignedIn(identity)) return signInFirst();
    return isSuperAdminIdentity(identity, superAdminOrganizationId)
      ? true
      : RampartError.forbidden("Only platform administrators may do this.");
  });

  const atLeast = (level: SecurityLevel, name: string, message: string) =>
    contextual(name, (_p, _a, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      return identity.securityLevel >= level ? true : RampartError.stepUpRequired(message);
    });
  const hasSecondFactor = atLeast(
    SecurityLevel.SecondFactor,
    "hasSecondFactor",
    "Verify your second factor to do this.",
  );
  const recentlyVerified = atLeast(
    SecurityLevel.StepUp,
    "recentlyVerified",
    "Verify your second factor again to do this.",
  );

  const sameAsCaller = (name: string, field: string, key: "organizationId" | "userId") =>
    perParent(name, (parent, _a, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      const own = identity[key];
      if (!own) return RampartError.forbidden("Select an organization first.");
      return parentField(parent, field) === own
        ? true
        : RampartError.forbidden("This belongs to someone else.");
    });

  /** The parent's `field` names the caller's organization, or the caller is an admin. */
  const ownOrganizationOrAdmin = (name: string, field: string) =>
    perParent(name, (parent, _a, context) => {
      const identity = identityOf(context);
      if (!isSignedIn(identity)) return signInFirst();
      if (identity.organizationId && parentField(parent, field) === identity.organizationId) {
        return true;
      }
      const admin =
        isSuperAdminIdentity(identity, superAdminOrganizationId) &&
        (!adminRequiresSecondFactor || identity.securityLevel >= SecurityLevel.SecondFactor);
      return admin ? true : RampartError.forbidden("This belongs to someone else.");
    });

  return {
    isAuthenticated,
    isMemberOf,
    hasRole,
    hasPermission,
    isSuperAdmin,
    hasSecondFactor,
    recentlyVerified,
    adminOnly: adminRequiresSecondFactor ? chain(isSuperAdmin, hasSecondFactor) : isSuperAdmin,
    ownsTenant: sameAsCaller("ownsTenant", "organizationId", "organizationId"),
    isOwnOrganization: sameAsCaller("isOwnOrganization", "id", "organizationId"),
    isOwnOrganizationOrAdmin: ownOrganizationOrAdmin("isOwnOrganizationOrAdmin", "id"),
    ownsTenantOrAdmin: ownOrganizationOrAdmin("ownsTenantOrAdmin", "organizationId"),
    ownsRecord: sameAsCaller("ownsRecord", "userId", "userId"),
    isSelf: sameAsCaller("isSelf", "id", "userId"),
    deny: once("deny", createDenyRule),
  };
}
