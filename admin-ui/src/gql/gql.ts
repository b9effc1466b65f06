/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      twoFactorEnabled\n      securityLevel\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment SecurityEventFields on SecurityEvent {\n    id\n    type\n    severity\n    reason\n    ip\n    occurredAt\n    actorId\n    organizationId\n    requestId\n    organization {\n      id\n      name\n    }\n  }\n": typeof types.SecurityEventFieldsFragmentDoc,
    "\n  query SecurityEvents($filter: SecurityEventFilter, $first: Int!, $after: String) {\n    securityEvents(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        # Inline, not the fragment: the gateway counts a spread as a level (depth limit 6).\n        node {\n          id\n          type\n          severity\n          reason\n          ip\n          occurredAt\n          actorId\n          organizationId\n          requestId\n          organization {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.SecurityEventsDocument,
    "\n  subscription LiveSecurityEvents($filter: SecurityEventFilter, $after: ID) {\n    securityEvents(filter: $filter, after: $after) {\n      ...SecurityEventFields\n    }\n  }\n": typeof types.LiveSecurityEventsDocument,
    "\n  fragment SecurityAlertFields on SecurityAlert {\n    id\n    title\n    summary\n    severity\n    status\n    rule\n    occurrences\n    firstSeenAt\n    lastSeenAt\n    acknowledgedAt\n    acknowledgementNote\n    resolvedAt\n    resolutionNote\n  }\n": typeof types.SecurityAlertFieldsFragmentDoc,
    "\n  query SecurityAlerts($status: [AlertStatus!]) {\n    securityAlerts(status: $status) {\n      ...SecurityAlertFields\n    }\n  }\n": typeof types.SecurityAlertsDocument,
    "\n  subscription LiveSecurityAlerts {\n    securityAlerts {\n      ...SecurityAlertFields\n    }\n  }\n": typeof types.LiveSecurityAlertsDocument,
    "\n  mutation AcknowledgeAlert($id: ID!, $note: String) {\n    acknowledgeAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n": typeof types.AcknowledgeAlertDocument,
    "\n  mutation ResolveAlert($id: ID!, $note: String) {\n    resolveAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n": typeof types.ResolveAlertDocument,
    "\n  query Lockdown {\n    emergencyLockdown {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": typeof types.LockdownDocument,
    "\n  mutation ActivateLockdown($reason: String!) {\n    activateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": typeof types.ActivateLockdownDocument,
    "\n  mutation DeactivateLockdown($reason: String!) {\n    deactivateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": typeof types.DeactivateLockdownDocument,
    "\n  query IpAllowlist {\n    ipAllowlistEntries {\n      id\n      ipRange\n      description\n      isGlobal\n      organizationId\n      createdBy\n      createdAt\n      expiresAt\n    }\n  }\n": typeof types.IpAllowlistDocument,
    "\n  mutation AddIpAllowlistEntry(\n    $ipRange: String!\n    $description: String!\n    $isGlobal: Boolean!\n    $organizationId: ID\n    $expiresAt: DateTimeISO\n  ) {\n    addIpAllowlistEntry(\n      ipRange: $ipRange\n      description: $description\n      isGlobal: $isGlobal\n      organizationId: $organizationId\n      expiresAt: $expiresAt\n    ) {\n      id\n    }\n  }\n": typeof types.AddIpAllowlistEntryDocument,
    "\n  mutation RemoveIpAllowlistEntry($id: ID!) {\n    removeIpAllowlistEntry(id: $id)\n  }\n": typeof types.RemoveIpAllowlistEntryDocument,
    "\n  query MySessions {\n    mySessions {\n      id\n      current\n      ip\n      securityLevel\n      userAgent\n      createdAt\n      lastSeenAt\n    }\n  }\n": typeof types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n": typeof types.RevokeUserSessionsDocument,
    "\n  mutation RevokeAllSessions {\n    revokeAllSessions\n  }\n": typeof types.RevokeAllSessionsDocument,
    "\n  mutation BeginTwoFactorEnrollment($replacePending: Boolean!) {\n    beginTwoFactorEnrollment(replacePending: $replacePending) {\n      otpauthUri\n      secret\n    }\n  }\n": typeof types.BeginTwoFactorEnrollmentDocument,
    "\n  mutation ConfirmTwoFactorEnrollment($code: String!) {\n    confirmTwoFactorEnrollment(code: $code) {\n      backupCodes\n    }\n  }\n": typeof types.ConfirmTwoFactorEnrollmentDocument,
    "\n  mutation VerifyTwoFactor($code: String!) {\n    verifyTwoFactor(code: $code) {\n      id\n      securityLevel\n    }\n  }\n": typeof types.VerifyTwoFactorDocument,
    "\n  mutation VerifyBackupCode($code: String!) {\n    verifyBackupCode(code: $code) {\n      id\n      securityLevel\n    }\n  }\n": typeof types.VerifyBackupCodeDocument,
    "\n  query SecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n": typeof types.SecurityMetricsDocument,
    "\n  subscription LiveSecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n": typeof types.LiveSecurityMetricsDocument,
    "\n  query System {\n    systemHealth {\n      status\n      checkedAt\n      components {\n        name\n        status\n        latencyMs\n        error\n      }\n    }\n    systemMetrics {\n      hostname\n      sampledAt\n      cpu {\n        cores\n        utilizationPercent\n        loadAverage\n      }\n      memory {\n        usedPercent\n        usedBytes\n        totalBytes\n      }\n      disk {\n        path\n        usedPercent\n        availableBytes\n      }\n      connections {\n        tcpTotal\n      }\n      network {\n        name\n        receivedBytes\n        sentBytes\n      }\n      uptime {\n        processSeconds\n      }\n    }\n  }\n": typeof types.SystemDocument,
};
const documents: Documents = {
    "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      twoFactorEnabled\n      securityLevel\n    }\n  }\n": types.MeDocument,
    "\n  fragment SecurityEventFields on SecurityEvent {\n    id\n    type\n    severity\n    reason\n    ip\n    occurredAt\n    actorId\n    organizationId\n    requestId\n    organization {\n      id\n      name\n    }\n  }\n": types.SecurityEventFieldsFragmentDoc,
    "\n  query SecurityEvents($filter: SecurityEventFilter, $first: Int!, $after: String) {\n    securityEvents(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        # Inline, not the fragment: the gateway counts a spread as a level (depth limit 6).\n        node {\n          id\n          type\n          severity\n          reason\n          ip\n          occurredAt\n          actorId\n          organizationId\n          requestId\n          organization {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.SecurityEventsDocument,
    "\n  subscription LiveSecurityEvents($filter: SecurityEventFilter, $after: ID) {\n    securityEvents(filter: $filter, after: $after) {\n      ...SecurityEventFields\n    }\n  }\n": types.LiveSecurityEventsDocument,
    "\n  fragment SecurityAlertFields on SecurityAlert {\n    id\n    title\n    summary\n    severity\n    status\n    rule\n    occurrences\n    firstSeenAt\n    lastSeenAt\n    acknowledgedAt\n    acknowledgementNote\n    resolvedAt\n    resolutionNote\n  }\n": types.SecurityAlertFieldsFragmentDoc,
    "\n  query SecurityAlerts($status: [AlertStatus!]) {\n    securityAlerts(status: $status) {\n      ...SecurityAlertFields\n    }\n  }\n": types.SecurityAlertsDocument,
    "\n  subscription LiveSecurityAlerts {\n    securityAlerts {\n      ...SecurityAlertFields\n    }\n  }\n": types.LiveSecurityAlertsDocument,
    "\n  mutation AcknowledgeAlert($id: ID!, $note: String) {\n    acknowledgeAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n": types.AcknowledgeAlertDocument,
    "\n  mutation ResolveAlert($id: ID!, $note: String) {\n    resolveAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n": types.ResolveAlertDocument,
    "\n  query Lockdown {\n    emergencyLockdown {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": types.LockdownDocument,
    "\n  mutation ActivateLockdown($reason: String!) {\n    activateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": types.ActivateLockdownDocument,
    "\n  mutation DeactivateLockdown($reason: String!) {\n    deactivateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n": types.DeactivateLockdownDocument,
    "\n  query IpAllowlist {\n    ipAllowlistEntries {\n      id\n      ipRange\n      description\n      isGlobal\n      organizationId\n      createdBy\n      createdAt\n      expiresAt\n    }\n  }\n": types.IpAllowlistDocument,
    "\n  mutation AddIpAllowlistEntry(\n    $ipRange: String!\n    $description: String!\n    $isGlobal: Boolean!\n    $organizationId: ID\n    $expiresAt: DateTimeISO\n  ) {\n    addIpAllowlistEntry(\n      ipRange: $ipRange\n      description: $description\n      isGlobal: $isGlobal\n      organizationId: $organizationId\n      expiresAt: $expiresAt\n    ) {\n      id\n    }\n  }\n": types.AddIpAllowlistEntryDocument,
    "\n  mutation RemoveIpAllowlistEntry($id: ID!) {\n    removeIpAllowlistEntry(id: $id)\n  }\n": types.RemoveIpAllowlistEntryDocument,
    "\n  query MySessions {\n    mySessions {\n      id\n      current\n      ip\n      securityLevel\n      userAgent\n      createdAt\n      lastSeenAt\n    }\n  }\n": types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n": types.RevokeUserSessionsDocument,
    "\n  mutation RevokeAllSessions {\n    revokeAllSessions\n  }\n": types.RevokeAllSessionsDocument,
    "\n  mutation BeginTwoFactorEnrollment($replacePending: Boolean!) {\n    beginTwoFactorEnrollment(replacePending: $replacePending) {\n      otpauthUri\n      secret\n    }\n  }\n": types.BeginTwoFactorEnrollmentDocument,
    "\n  mutation ConfirmTwoFactorEnrollment($code: String!) {\n    confirmTwoFactorEnrollment(code: $code) {\n      backupCodes\n    }\n  }\n": types.ConfirmTwoFactorEnrollmentDocument,
    "\n  mutation VerifyTwoFactor($code: String!) {\n    verifyTwoFactor(code: $code) {\n      id\n      securityLevel\n    }\n  }\n": types.VerifyTwoFactorDocument,
    "\n  mutation VerifyBackupCode($code: String!) {\n    verifyBackupCode(code: $code) {\n      id\n      securityLevel\n    }\n  }\n": types.VerifyBackupCodeDocument,
    "\n  query SecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n": types.SecurityMetricsDocument,
    "\n  subscription LiveSecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n": types.LiveSecurityMetricsDocument,
    "\n  query System {\n    systemHealth {\n      status\n      checkedAt\n      components {\n        name\n        status\n        latencyMs\n        error\n      }\n    }\n    systemMetrics {\n      hostname\n      sampledAt\n      cpu {\n        cores\n        utilizationPercent\n        loadAverage\n      }\n      memory {\n        usedPercent\n        usedBytes\n        totalBytes\n      }\n      disk {\n        path\n        usedPercent\n        availableBytes\n      }\n      connections {\n        tcpTotal\n      }\n      network {\n        name\n        receivedBytes\n        sentBytes\n      }\n      uptime {\n        processSeconds\n      }\n    }\n  }\n": types.SystemDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      id\n      email\n      displayName\n      twoFactorEnabled\n      securityLevel\n    }\n  }\n"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SecurityEventFields on SecurityEvent {\n    id\n    type\n    severity\n    reason\n    ip\n    occurredAt\n    actorId\n    organizationId\n    requestId\n    organization {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql').SecurityEventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecurityEvents($filter: SecurityEventFilter, $first: Int!, $after: String) {\n    securityEvents(filter: $filter, first: $first, after: $after) {\n      edges {\n        cursor\n        # Inline, not the fragment: the gateway counts a spread as a level (depth limit 6).\n        node {\n          id\n          type\n          severity\n          reason\n          ip\n          occurredAt\n          actorId\n          organizationId\n          requestId\n          organization {\n            id\n            name\n          }\n        }\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): typeof import('./graphql').SecurityEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSecurityEvents($filter: SecurityEventFilter, $after: ID) {\n    securityEvents(filter: $filter, after: $after) {\n      ...SecurityEventFields\n    }\n  }\n"): typeof import('./graphql').LiveSecurityEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SecurityAlertFields on SecurityAlert {\n    id\n    title\n    summary\n    severity\n    status\n    rule\n    occurrences\n    firstSeenAt\n    lastSeenAt\n    acknowledgedAt\n    acknowledgementNote\n    resolvedAt\n    resolutionNote\n  }\n"): typeof import('./graphql').SecurityAlertFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecurityAlerts($status: [AlertStatus!]) {\n    securityAlerts(status: $status) {\n      ...SecurityAlertFields\n    }\n  }\n"): typeof import('./graphql').SecurityAlertsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSecurityAlerts {\n    securityAlerts {\n      ...SecurityAlertFields\n    }\n  }\n"): typeof import('./graphql').LiveSecurityAlertsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcknowledgeAlert($id: ID!, $note: String) {\n    acknowledgeAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n"): typeof import('./graphql').AcknowledgeAlertDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResolveAlert($id: ID!, $note: String) {\n    resolveAlert(id: $id, note: $note) {\n      ...SecurityAlertFields\n    }\n  }\n"): typeof import('./graphql').ResolveAlertDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Lockdown {\n    emergencyLockdown {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n"): typeof import('./graphql').LockdownDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ActivateLockdown($reason: String!) {\n    activateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n"): typeof import('./graphql').ActivateLockdownDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeactivateLockdown($reason: String!) {\n    deactivateEmergencyLockdown(reason: $reason) {\n      active\n      reason\n      actorId\n      changedAt\n    }\n  }\n"): typeof import('./graphql').DeactivateLockdownDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IpAllowlist {\n    ipAllowlistEntries {\n      id\n      ipRange\n      description\n      isGlobal\n      organizationId\n      createdBy\n      createdAt\n      expiresAt\n    }\n  }\n"): typeof import('./graphql').IpAllowlistDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddIpAllowlistEntry(\n    $ipRange: String!\n    $description: String!\n    $isGlobal: Boolean!\n    $organizationId: ID\n    $expiresAt: DateTimeISO\n  ) {\n    addIpAllowlistEntry(\n      ipRange: $ipRange\n      description: $description\n      isGlobal: $isGlobal\n      organizationId: $organizationId\n      expiresAt: $expiresAt\n    ) {\n      id\n    }\n  }\n"): typeof import('./graphql').AddIpAllowlistEntryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveIpAllowlistEntry($id: ID!) {\n    removeIpAllowlistEntry(id: $id)\n  }\n"): typeof import('./graphql').RemoveIpAllowlistEntryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySessions {\n    mySessions {\n      id\n      current\n      ip\n      securityLevel\n      userAgent\n      createdAt\n      lastSeenAt\n    }\n  }\n"): typeof import('./graphql').MySessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): typeof import('./graphql').RevokeSessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeUserSessions($userId: ID!) {\n    revokeUserSessions(userId: $userId)\n  }\n"): typeof import('./graphql').RevokeUserSessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeAllSessions {\n    revokeAllSessions\n  }\n"): typeof import('./graphql').RevokeAllSessionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BeginTwoFactorEnrollment($replacePending: Boolean!) {\n    beginTwoFactorEnrollment(replacePending: $replacePending) {\n      otpauthUri\n      secret\n    }\n  }\n"): typeof import('./graphql').BeginTwoFactorEnrollmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTwoFactorEnrollment($code: String!) {\n    confirmTwoFactorEnrollment(code: $code) {\n      backupCodes\n    }\n  }\n"): typeof import('./graphql').ConfirmTwoFactorEnrollmentDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyTwoFactor($code: String!) {\n    verifyTwoFactor(code: $code) {\n      id\n      securityLevel\n    }\n  }\n"): typeof import('./graphql').VerifyTwoFactorDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyBackupCode($code: String!) {\n    verifyBackupCode(code: $code) {\n      id\n      securityLevel\n    }\n  }\n"): typeof import('./graphql').VerifyBackupCodeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n"): typeof import('./graphql').SecurityMetricsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveSecurityMetrics($window: MetricsWindow!) {\n    securityMetrics(window: $window) {\n      window\n      since\n      sampledAt\n      totalEvents\n      failedLogins\n      ipViolations\n      rateLimitHits\n      activeSessions\n      sessionsStarted\n      authenticationSuccessRate\n      eventCounts {\n        type\n        count\n      }\n      twoFactorAdoption {\n        admins\n        enrolled\n        rate\n      }\n    }\n  }\n"): typeof import('./graphql').LiveSecurityMetricsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query System {\n    systemHealth {\n      status\n      checkedAt\n      components {\n        name\n        status\n        latencyMs\n        error\n      }\n    }\n    systemMetrics {\n      hostname\n      sampledAt\n      cpu {\n        cores\n        utilizationPercent\n        loadAverage\n      }\n      memory {\n        usedPercent\n        usedBytes\n        totalBytes\n      }\n      disk {\n        path\n        usedPercent\n        availableBytes\n      }\n      connections {\n        tcpTotal\n      }\n      network {\n        name\n        receivedBytes\n        sentBytes\n      }\n      uptime {\n        processSeconds\n      }\n    }\n  }\n"): typeof import('./graphql').SystemDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
