// Who administers what in commerce, for the checks a shield rule cannot make alone (which
// record an argument names). The shield rules in permissions.ts stay the first layer.
import { isSuperAdminIdentity, SecurityLevel, withOrgPrefix, type Identity } from "@rampart/kit";
import type { CommerceConfig } from "./config";

/** Roles that administer their own organization (Clerk's `org:admin`, and an `org:owner`). */
export const ORGANIZATION_ADMIN_ROLES = ["org:admin", "org:owner"] as const;

/** Roles that edit storefront drafts besides admins. */
export const ORGANIZATION_EDITOR_ROLE = "org:editor";

/** Whether the caller administers their active organization. */
export const isOrganizationAdmin = (identity: Identity): boolean =>
  identity.userId !== null &&
  identity.organizationId !== null &&
  identity.role !== null &&
  (ORGANIZATION_ADMIN_ROLES as readonly string[]).includes(withOrgPrefix(identity.role));

/**
 * Whether the caller is a platform superadmin with the second factor the configuration asks
 * of admins (the same test as the shared `adminOnly` rule).
 */
export const isPlatformAdmin = (
  identity: Identity,
  config: Pick<CommerceConfig, "CLERK_SUPERADMIN_ORG_ID" | "ADMIN_REQUIRE_2FA">,
): boolean =>
  isSuperAdminIdentity(identity, config.CLERK_SUPERADMIN_ORG_ID) &&
  (!config.ADMIN_REQUIRE_2FA || identity.securityLevel >= SecurityLevel.SecondFactor);
