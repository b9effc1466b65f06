import type { Rules, ShieldRule } from "@rampart/kit";

/** The alerts' part of the security rule tree, by type and field. */
export interface AlertRuleTree {
  Query: { securityAlerts: ShieldRule };
  Mutation: { acknowledgeAlert: ShieldRule; resolveAlert: ShieldRule };
  Subscription: { securityAlerts: ShieldRule };
  SecurityAlert: ShieldRule;
}

/** Who may see and handle alerts: superadmins. Merge into the security rule tree. */
export function alertRuleTree(rules: Rules): AlertRuleTree {
  const { adminOnly } = rules;
  return {
    Query: { securityAlerts: adminOnly },
    Mutation: { acknowledgeAlert: adminOnly, resolveAlert: adminOnly },
    Subscription: { securityAlerts: adminOnly },
    SecurityAlert: adminOnly,
  };
}
