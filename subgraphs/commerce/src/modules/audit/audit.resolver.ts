import { RampartError } from "@rampart/kit";
import { clampPage, requireTenant } from "@rampart/kit/subgraph";
import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { isOrganizationAdmin, isPlatformAdmin } from "../../access";
import type { CommerceContext } from "../../services";
import { AuditEntry, AuditedEntity } from "./audit-entry.entity";
import { AuditChange } from "./audit.types";

/**
 * Whose entries a caller may read for a kind of record: null for any organization's (a
 * superadmin, for records superadmins may read), else their own organization's, as its
 * admin. The organization always comes from the signed identity, never from `id`.
 */
function readableOrganization(context: CommerceContext, entity: AuditedEntity): string | null {
  const { identity, runtime } = context;
  const own = requireTenant(identity);
  const superadminsRead = [AuditedEntity.AI_ASSISTANT_CONFIG, AuditedEntity.KYC_VERIFICATION];
  if (superadminsRead.includes(entity) && isPlatformAdmin(identity, runtime.config)) {
    return null;
  }
  if (isOrganizationAdmin(identity)) return own;
  throw RampartError.forbidden("Only the organization's admins may read this record's history.");
}

/** The audit trail: one record's history, to those allowed to see the record. */
@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => [AuditEntry], {
    description:
      "One record's history, newest first: AI_ASSISTANT_CONFIG, PAYMENT_SETTINGS and KYC_VERIFICATION records are named by their organization's id, STOREFRONT_PAGE records by the page's id. Organization admins see their own organization's; superadmins (second factor) also any organization's AI assistant configuration and KYC verification.",
  })
  auditTrail(
    @Arg("entity", () => AuditedEntity) entity: AuditedEntity,
    @Arg("id", () => ID) id: string,
    @Arg("first", () => Int, { defaultValue: 50 }) first: number,
    @Ctx() context: CommerceContext,
  ): Promise<AuditEntry[]> {
    const organizationId = readableOrganization(context, entity);
    return context.services.audit.trail(context.em, entity, id, organizationId, clampPage(first));
  }

  @FieldResolver(() => [AuditChange])
  changes(@Root() entry: AuditEntry): AuditChange[] {
    const json = (value: unknown) => (value === null ? null : JSON.stringify(value));
    return entry.changes.map((change) =>
      Object.assign(new AuditChange(), {
        field: change.field,
        before: json(change.before),
        after: json(change.after),
      }),
    );
  }
}
