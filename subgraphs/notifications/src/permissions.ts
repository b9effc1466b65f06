import { RampartError, SecurityLevel, withOrgPrefix } from "@rampart/kit";
import {
  chain,
  createPermissions,
  createRules,
  recordRuleRefusal,
  type Permissions,
  type RuleContext,
  type RuleOptions,
  type RuleTree,
  type Rules,
  type ShieldRule,
} from "@rampart/kit/subgraph";
import { rule } from "graphql-shield";

/**
 * A notification's reader: its recipient in its organization, or, for a notification addressed
 * to the organization as a whole (`userId` null: security alerts), an admin of that organization
 * with a verified second factor. One rule rather than `or(...)`, whose failing branch would
 * record a refusal although the rule passed. Refusals are security events, as the shared rules'.
 */
const isNotificationReader: ShieldRule = rule("isNotificationReader", { cache: "no_cache" })((
  parent: { userId?: string | null; organizationId?: string },
  _args,
  context: RuleContext,
) => {
  const identity = context.identity;
  if (!identity?.userId || identity.securityLevel < SecurityLevel.SignedIn) {
    return RampartError.unauthenticated("Sign in to do this.");
  }
  const sameTenant =
    identity.organizationId !== null && parent.organizationId === identity.organizationId;
  const allowed =
    sameTenant &&
    (parent.userId === identity.userId ||
      (parent.userId === null &&
        identity.role !== null &&
        withOrgPrefix(identity.role) === "org:admin" &&
        identity.securityLevel >= SecurityLevel.SecondFactor));
  if (allowed) return true;
  const refusal = RampartError.forbidden("This belongs to someone else.");
  recordRuleRefusal("isNotificationReader", context, refusal);
  return refusal;
});

/**
 * Who may read what in notifications: a notification is its recipient's alone, within the
 * organization it concerns; one addressed to an organization's admins as a whole is theirs
 * (with a second factor). `User.notifications` only needs a signed-in caller: the service
 * answers an empty list for someone else, or without an active organization, and an error
 * there would null the whole `me` at the gateway (the list is non-null). Deliveries are read
 * through their notification, and carry its tenant. What a shipment's customer was sent
 * (`Shipment.customerNotifications`, addressed to no user) is for the organization's admins with
 * a second factor, as its security alerts are. Channel preferences (where alerts go) are
 * an organization admin's with a second factor; the organization's own need a recent one, to
 * change them and to rotate a webhook's signing secret alike.
 */
export function notificationsRuleTree(rules: Rules): RuleTree {
  const member = chain(rules.isAuthenticated, rules.isMemberOf());
  const organizationAdmin = chain(member, rules.hasRole("admin"), rules.hasSecondFactor);
  const reader = isNotificationReader;
  const tenant = rules.ownsTenant;
  return {
    Query: {
      organizationNotifications: organizationAdmin,
      adminNotifications: member,
      unreadNotificationCount: member,
      myChannelPreferences: organizationAdmin,
      organizationChannelPreferences: organizationAdmin,
    },
    Mutation: {
      markNotificationRead: member,
      markAllNotificationsRead: member,
      archiveNotification: member,
      setMyChannelPreference: organizationAdmin,
      removeMyChannelPreference: organizationAdmin,
      setOrganizationChannelPreference: chain(organizationAdmin, rules.recentlyVerified),
      removeOrganizationChannelPreference: chain(organizationAdmin, rules.recentlyVerified),
      rotateMyWebhookSecret: organizationAdmin,
      rotateOrganizationWebhookSecret: chain(organizationAdmin, rules.recentlyVerified),
    },
    Subscription: { myNotifications: member },
    AdminNotificationPage: {
      nodes: member,
      endCursor: member,
      hasNextPage: member,
      unreadCount: member,
    },
    User: { id: rules.isAuthenticated, notifications: rules.isAuthenticated },
    Shipment: { id: member, customerNotifications: organizationAdmin },
    Notification: {
      id: reader,
      userId: reader,
      organizationId: reader,
      audience: reader,
      channel: reader,
      title: reader,
      body: reader,
      severity: reader,
      readAt: reader,
      archivedAt: reader,
      createdAt: reader,
      deliveries: reader,
    },
    ChannelPreference: {
      id: organizationAdmin,
      channel: organizationAdmin,
      destination: organizationAdmin,
      minSeverity: organizationAdmin,
      enabled: organizationAdmin,
      organizationWide: organizationAdmin,
      signingSecret: organizationAdmin,
      updatedAt: organizationAdmin,
    },
    Delivery: {
      id: tenant,
      channel: tenant,
      destination: tenant,
      status: tenant,
      attempts: tenant,
      lastError: tenant,
      providerMessageId: tenant,
      createdAt: tenant,
      updatedAt: tenant,
      lastAttemptAt: tenant,
      sentAt: tenant,
    },
  };
}

/** Notifications' shield middleware (`options` come from `CLERK_SUPERADMIN_ORG_ID`, `ADMIN_REQUIRE_2FA`). */
export const notificationsPermissions = (options: RuleOptions = {}): Permissions =>
  createPermissions(notificationsRuleTree(createRules(options)));
