import { RampartError } from "../errors";
import type { Identity } from "../identity";

/**
 * The organization whose data the caller may see: the active organization of a signed-in
 * caller. Tenant-scoped data is never read without one.
 */
export function requireTenant(identity: Identity): string {
  if (!identity.userId) throw RampartError.unauthenticated("Sign in to read organization data.");
  if (!identity.organizationId) throw RampartError.forbidden("Select an organization first.");
  return identity.organizationId;
}
