import type { Rules, ShieldRule } from "@rampart/kit";

/** The security events' part of the security rule tree, by type and field. */
export interface SecurityEventRuleTree {
  Query: { securityEvents: ShieldRule };
  Subscription: { securityEvents: ShieldRule };
  SecurityEvent: ShieldRule;
  SecurityEventConnection: ShieldRule;
  SecurityEventEdge: ShieldRule;
  SecurityEventPageInfo: ShieldRule;
  Organization: ShieldRule;
}

/**
 * Who may read security events: superadmins, for the root fields and every field of the
 * result (`Organization` here is only the id security hands to commerce). Merge into the
 * security rule tree.
 */
export function securityEventRuleTree(rules: Rules): SecurityEventRuleTree {
  const { adminOnly } = rules;
  return {
    Query: { securityEvents: adminOnly },
    Subscription: { securityEvents: adminOnly },
    SecurityEvent: adminOnly,
    SecurityEventConnection: adminOnly,
    SecurityEventEdge: adminOnly,
    SecurityEventPageInfo: adminOnly,
    Organization: adminOnly,
  };
}
