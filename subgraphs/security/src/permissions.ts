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
} from "@rampart/kit";

/**
 * Who may do what in security. Verifying a factor is how a session rises to SecondFactor and
 * StepUp, so those mutations need only a signed-in caller; changing the factors needs StepUp;
 * revoking other people's sessions is for superadmins at StepUp.
 */
export function securityRuleTree(rules: Rules): RuleTree {
  const { isAuthenticated: signedIn, isSelf, ownsRecord, recentlyVerified, adminOnly } = rules;
  const stepUp = chain(signedIn, recentlyVerified);
  const superAdminStepUp = chain(adminOnly, recentlyVerified);
  return {
    Query: {
      // Anonymous callers get null, not an error: clients ask `me` to learn whether they are signed in.
      me: allow,
      mySessions: signedIn,
    },
    Mutation: {
      beginTwoFactorEnrollment: signedIn,
      confirmTwoFactorEnrollment: signedIn,
      verifyTwoFactor: signedIn,
      verifyBackupCode: signedIn,
      regenerateBackupCodes: stepUp,
      disableTwoFactor: stepUp,
      // The resolver answers NOT_FOUND for someone else's session.
      revokeSession: signedIn,
      revokeUserSessions: superAdminStepUp,
      revokeAllSessions: superAdminStepUp,
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
    // Only ever returned to the caller who asked for them.
    TwoFactorEnrollment: signedIn,
    BackupCodes: signedIn,
  };
}

/** Security's shield middleware; pass `ruleOptionsFrom(config)`. */
export const securityPermissions = (options: RuleOptions = {}): Permissions =>
  createPermissions(securityRuleTree(createRules(options)));
