import type { SecurityEventInput } from "@rampart/kit";
import type { SubgraphContext } from "@rampart/kit/subgraph";
import { Arg, Ctx, Directive, ID, Mutation, Query, Resolver } from "type-graphql";
import { IpAllowlistEntry } from "./ip-allowlist.entity";
import { IpAllowlistService } from "./ip-allowlist.service";

/** The service working in the request's entity manager and the shared stores. */
const serviceOf = ({ em, runtime, log }: SubgraphContext) =>
  new IpAllowlistService({ em, stores: runtime.stores, logger: log });

const scopeOf = (entry: IpAllowlistEntry) =>
  entry.organizationId === null ? "global" : `organization ${entry.organizationId}`;

/** Records a change of the allowlist: who, which range, for whom. */
function record(
  context: SubgraphContext,
  type: string,
  entry: IpAllowlistEntry,
  reason: string,
  severity: SecurityEventInput["severity"],
) {
  const { identity, runtime } = context;
  return runtime.securityEvents.record({
    type,
    severity,
    actorId: identity.userId,
    organizationId: entry.organizationId ?? identity.organizationId,
    ip: identity.ip,
    reason,
    requestId: identity.requestId,
  });
}

/** Managing the IP allowlist: superadmins at level 3 (see ip-allowlist.rules.ts). */
@Resolver(() => IpAllowlistEntry)
export class IpAllowlistResolver {
  @Directive('@tag(name: "admin")')
  @Query(() => [IpAllowlistEntry], {
    description:
      "Every IP allowlist entry, expired ones included, oldest first. Superadmin, step-up.",
  })
  ipAllowlistEntries(@Ctx() context: SubgraphContext): Promise<IpAllowlistEntry[]> {
    return serviceOf(context).list();
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => IpAllowlistEntry, {
    description:
      "Allowlists an IPv4 or IPv6 range (CIDR or address) for everyone (isGlobal) or one organization; every gateway applies it at once. Superadmin, step-up.",
  })
  async addIpAllowlistEntry(
    @Arg("ipRange", () => String) ipRange: string,
    @Arg("description", () => String) description: string,
    @Arg("isGlobal", () => Boolean) isGlobal: boolean,
    @Arg("organizationId", () => ID, { nullable: true }) organizationId: string | null | undefined,
    @Arg("expiresAt", () => Date, { nullable: true }) expiresAt: Date | null | undefined,
    @Arg("allowEverywhere", () => Boolean, {
      nullable: true,
      defaultValue: false,
      description:
        "Must be true to add a range of prefix length 0, such as 0.0.0.0/0 or ::/0: it allows every address and so turns the allowlist off for its scope. Otherwise such a range is refused with BAD_USER_INPUT, reason ALLOWS_EVERY_ADDRESS.",
    })
    allowEverywhere: boolean | null | undefined,
    @Ctx() context: SubgraphContext,
  ): Promise<IpAllowlistEntry> {
    const entry = await serviceOf(context).add({
      ipRange,
      description,
      isGlobal,
      organizationId,
      expiresAt,
      createdBy: context.identity.userId as string,
      allowEverywhere: allowEverywhere === true,
    });
    const expiry = entry.expiresAt ? `, until ${entry.expiresAt.toISOString()}` : "";
    const everywhere = entry.ipRange.endsWith("/0");
    await record(
      context,
      "ip_allowlist.entry_added",
      entry,
      `${entry.ipRange} allowlisted (${scopeOf(entry)}${expiry})${everywhere ? ": every address, forced with allowEverywhere" : ""}`,
      everywhere ? "critical" : entry.isGlobal ? "high" : "medium",
    );
    return entry;
  }

  @Directive('@tag(name: "admin")')
  @Mutation(() => Boolean, {
    description:
      "Removes an IP allowlist entry; every gateway stops allowing it at once. Superadmin, step-up.",
  })
  async removeIpAllowlistEntry(
    @Arg("id", () => ID) id: string,
    @Ctx() context: SubgraphContext,
  ): Promise<boolean> {
    const entry = await serviceOf(context).remove(id);
    await record(
      context,
      "ip_allowlist.entry_removed",
      entry,
      `${entry.ipRange} removed from the allowlist (${scopeOf(entry)})`,
      "medium",
    );
    return true;
  }
}
