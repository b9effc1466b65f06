import {
  chain,
  createPermissions,
  createRules,
  type Permissions,
  type RuleOptions,
  type RuleTree,
  type Rules,
} from "@rampart/kit/subgraph";

/**
 * Who may read what in notifications: a notification is its recipient's alone, within the
 * organization it concerns. `User.notifications` only needs a signed-in caller: the service
 * answers an empty list for someone else, or without an active organization, and an error
 * there would null the whole `me` at the gateway (the list is non-null).
 */
export function notificationsRuleTree(rules: Rules): RuleTree {
  const member = chain(rules.isAuthenticated, rules.isMemberOf());
  const recipient = chain(rules.ownsRecord, rules.ownsTenant);
  return {
    Mutation: { markNotificationRead: member },
    User: { id: rules.isAuthenticated, notifications: rules.isAuthenticated },
    Notification: {
      id: recipient,
      userId: recipient,
      organizationId: recipient,
      channel: recipient,
      title: recipient,
      body: recipient,
      readAt: recipient,
      createdAt: recipient,
    },
  };
}

/** Notifications' shield middleware (`options` come from `CLERK_SUPERADMIN_ORG_ID`, `ADMIN_REQUIRE_2FA`). */
export const notificationsPermissions = (options: RuleOptions = {}): Permissions =>
  createPermissions(notificationsRuleTree(createRules(options)));
