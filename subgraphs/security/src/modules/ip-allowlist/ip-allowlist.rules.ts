import { chain, type Rules, type ShieldRule } from "@rampart/kit/subgraph";

/** The IP allowlist's part of the security rule tree, by type and field. */
export interface IpAllowlistRuleTree {
  Query: { ipAllowlistEntries: ShieldRule };
  Mutation: { addIpAllowlistEntry: ShieldRule; removeIpAllowlistEntry: ShieldRule };
  IpAllowlistEntry: ShieldRule;
}

/**
 * Who may manage the IP allowlist: superadmins at level 3 for every root field; every field
 * of an entry is admin-only. Merge into the security rule tree.
 */
export function ipAllowlistRuleTree(rules: Rules): IpAllowlistRuleTree {
  const superAdminStepUp = chain(rules.adminOnly, rules.recentlyVerified);
  return {
    Query: { ipAllowlistEntries: superAdminStepUp },
    Mutation: { addIpAllowlistEntry: superAdminStepUp, removeIpAllowlistEntry: superAdminStepUp },
    IpAllowlistEntry: rules.adminOnly,
  };
}
