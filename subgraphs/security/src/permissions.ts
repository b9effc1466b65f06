import {
  allow,
  chain,
  createPermissions,
  createRules,
  or,
  type Permissions,
  type RuleOptions,
  type RuleTree,
  type Rules,
  type ShieldRule,
} from "@rampart/kit/subgraph";

/** Rules that need the running subgraph (its stores), added to {@link securityRuleTree}. */
export interface SecurityRuleExtras {
  /**
   * Checked after the caller's own rule on every mutation that takes a second-factor code
   * (`confirmTwoFactorEnrollment`, `verifyTwoFactor`, `verifyBackupCode`, `disableTwoFactor`),
   * e.g. a per-field rate limit. Default none.
   */
  codeAttemptLimit?: ShieldRule;
}

/**
 * Who may do what in security. Verifying a factor is how a session rises to SecondFactor and
 * StepUp, so those mutations need only a signed-in caller; changing the factors needs StepUp;
 * revoking other people's sessions is for superadmins at StepUp.
 */
export function securityRuleTree(rules: Rules, extras: SecurityRuleExtras = {}): RuleTree {
  const { isAuthenticated: signedIn, isSelf, ownsRecord, recentlyVerified, adminOnly } = rules;
  const stepUp = chain(signedIn, recentlyVerified);
  // After the caller's rule, so refused callers use up no attempts.
  const limited = (rule: ShieldRule) =>
    extras.codeAttemptLimit ? chain(rule, extras.codeAttemptLimit) : rule;
  const superAdminStepUp = chain(adminOnly, recentlyVerified);
  return {
    Query: {
      // Anonymous callers get null, not an error: clients ask `me` to learn whether they are signed in.
      me: allow,
      mySessions: signedIn,
      emergencyLockdown: adminOnly,
      ipAllowlistEntries: superAdminStepUp,
      securityEvents: adminOnly,
      securityMetrics: adminOnly,
      systemHealth: adminOnly,
      systemMetrics: adminOnly,
      securityAlerts: adminOnly,
    },
    // Checked when subscribing too, before the stream opens (kit's applyPermissions).
    Subscription: {
      securityEvents: adminOnly,
      securityAlerts: adminOnly,
      securityMetrics: adminOnly,
    },
    Mutation: {
      beginTwoFactorEnrollment: signedIn,
      confirmTwoFactorEnrollment: limited(signedIn),
      verifyTwoFactor: limited(signedIn),
      verifyBackupCode: limited(signedIn),
      regenerateBackupCodes: stepUp,
      disableTwoFactor: limited(stepUp),
      // The resolver answers NOT_FOUND for someone else's session.
      revokeSession: signedIn,
      revokeUserSessions: superAdminStepUp,
      revokeAllSessions: superAdminStepUp,
      activateEmergencyLockdown: superAdminStepUp,
      deactivateEmergencyLockdown: superAdminStepUp,
      addIpAllowlistEntry: superAdminStepUp,
      removeIpAllowlistEntry: superAdminStepUp,
      acknowledgeAlert: adminOnly,
      resolveAlert: adminOnly,
    },
    User: {
      id: signedIn,
      email: signedIn,
      displayName: signedIn,
      createdAt: signedIn,
      // The resolver answers null for anyone but the caller.
      securityLevel: signedIn,
      twoFactorEnabled: or(isSelf, adminOnly),
    },
    // A session is its owner's (and a superadmin's); it carries `userId`.
    Session: or(ownsRecord, adminOnly),
    EmergencyLockdown: adminOnly,
    IpAllowlistEntry: adminOnly,
    SecurityEvent: adminOnly,
    SecurityEventConnection: adminOnly,
    SecurityEventEdge: adminOnly,
    SecurityEventPageInfo: adminOnly,
    SecurityAlert: adminOnly,
    SecurityMetrics: adminOnly,
    SecurityEventCount: adminOnly,
    TwoFactorAdoption: adminOnly,
    SystemHealth: adminOnly,
    ComponentHealth: adminOnly,
    SystemMetrics: adminOnly,
    CpuMetrics: adminOnly,
    MemoryMetrics: adminOnly,
    DiskMetrics: adminOnly,
    NetworkInterfaceMetrics: adminOnly,
    ConnectionMetrics: adminOnly,
    TcpStateCount: adminOnly,
    UptimeMetrics: adminOnly,
    // Only reachable as SecurityEvent.organization; resolved by commerce.
    Organization: adminOnly,
    // Only ever returned to the caller who asked for them.
    TwoFactorEnrollment: signedIn,
    BackupCodes: signedIn,
  };
}

/** Security's shield middleware; pass `ruleOptionsFrom(config)` and the runtime's extras. */
export const securityPermissions = (
  options: RuleOptions = {},
  extras: SecurityRuleExtras = {},
): Permissions => createPermissions(securityRuleTree(createRules(options), extras));
