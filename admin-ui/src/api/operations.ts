import { graphql } from "../gql";

// Every operation the dashboard sends. Result and variable types come from codegen
// (`npm run codegen -w admin-ui`), against schema/api.admin.graphql.

export const MeQuery = graphql(`
  query Me {
    me {
      id
      email
      displayName
      twoFactorEnabled
      securityLevel
    }
  }
`);

export const SecurityEventFields = graphql(`
  fragment SecurityEventFields on SecurityEvent {
    id
    type
    severity
    reason
    ip
    occurredAt
    actorId
    organizationId
    requestId
    organization {
      id
      name
    }
  }
`);

export const SecurityEventsQuery = graphql(`
  query SecurityEvents($filter: SecurityEventFilter, $first: Int!, $after: String) {
    securityEvents(filter: $filter, first: $first, after: $after) {
      edges {
        cursor
        # Inline, not the fragment: the gateway counts a spread as a level (depth limit 6).
        node {
          id
          type
          severity
          reason
          ip
          occurredAt
          actorId
          organizationId
          requestId
          organization {
            id
            name
          }
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

export const SecurityEventsSubscription = graphql(`
  subscription LiveSecurityEvents($filter: SecurityEventFilter, $after: ID) {
    securityEvents(filter: $filter, after: $after) {
      ...SecurityEventFields
    }
  }
`);

export const SecurityAlertFields = graphql(`
  fragment SecurityAlertFields on SecurityAlert {
    id
    title
    summary
    severity
    status
    rule
    occurrences
    firstSeenAt
    lastSeenAt
    acknowledgedAt
    acknowledgementNote
    resolvedAt
    resolutionNote
  }
`);

export const SecurityAlertsQuery = graphql(`
  query SecurityAlerts($status: [AlertStatus!]) {
    securityAlerts(status: $status) {
      ...SecurityAlertFields
    }
  }
`);

export const SecurityAlertsSubscription = graphql(`
  subscription LiveSecurityAlerts {
    securityAlerts {
      ...SecurityAlertFields
    }
  }
`);

export const AcknowledgeAlertMutation = graphql(`
  mutation AcknowledgeAlert($id: ID!, $note: String) {
    acknowledgeAlert(id: $id, note: $note) {
      ...SecurityAlertFields
    }
  }
`);

export const ResolveAlertMutation = graphql(`
  mutation ResolveAlert($id: ID!, $note: String) {
    resolveAlert(id: $id, note: $note) {
      ...SecurityAlertFields
    }
  }
`);

export const LockdownQuery = graphql(`
  query Lockdown {
    emergencyLockdown {
      active
      reason
      actorId
      changedAt
    }
  }
`);

export const ActivateLockdownMutation = graphql(`
  mutation ActivateLockdown($reason: String!) {
    activateEmergencyLockdown(reason: $reason) {
      active
      reason
      actorId
      changedAt
    }
  }
`);

export const DeactivateLockdownMutation = graphql(`
  mutation DeactivateLockdown($reason: String!) {
    deactivateEmergencyLockdown(reason: $reason) {
      active
      reason
      actorId
      changedAt
    }
  }
`);

export const IpAllowlistQuery = graphql(`
  query IpAllowlist {
    ipAllowlistEntries {
      id
      ipRange
      description
      isGlobal
      organizationId
      createdBy
      createdAt
      expiresAt
    }
  }
`);

export const AddIpAllowlistEntryMutation = graphql(`
  mutation AddIpAllowlistEntry(
    $ipRange: String!
    $description: String!
    $isGlobal: Boolean!
    $organizationId: ID
    $expiresAt: DateTimeISO
  ) {
    addIpAllowlistEntry(
      ipRange: $ipRange
      description: $description
      isGlobal: $isGlobal
      organizationId: $organizationId
      expiresAt: $expiresAt
    ) {
      id
    }
  }
`);

export const RemoveIpAllowlistEntryMutation = graphql(`
  mutation RemoveIpAllowlistEntry($id: ID!) {
    removeIpAllowlistEntry(id: $id)
  }
`);

export const MySessionsQuery = graphql(`
  query MySessions {
    mySessions {
      id
      current
      ip
      securityLevel
      userAgent
      createdAt
      lastSeenAt
    }
  }
`);

export const RevokeSessionMutation = graphql(`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`);

export const RevokeUserSessionsMutation = graphql(`
  mutation RevokeUserSessions($userId: ID!) {
    revokeUserSessions(userId: $userId)
  }
`);

export const RevokeAllSessionsMutation = graphql(`
  mutation RevokeAllSessions {
    revokeAllSessions
  }
`);

export const BeginEnrollmentMutation = graphql(`
  mutation BeginTwoFactorEnrollment($replacePending: Boolean!) {
    beginTwoFactorEnrollment(replacePending: $replacePending) {
      otpauthUri
      secret
    }
  }
`);

export const ConfirmEnrollmentMutation = graphql(`
  mutation ConfirmTwoFactorEnrollment($code: String!) {
    confirmTwoFactorEnrollment(code: $code) {
      backupCodes
    }
  }
`);

export const VerifyTwoFactorMutation = graphql(`
  mutation VerifyTwoFactor($code: String!) {
    verifyTwoFactor(code: $code) {
      id
      securityLevel
    }
  }
`);

export const VerifyBackupCodeMutation = graphql(`
  mutation VerifyBackupCode($code: String!) {
    verifyBackupCode(code: $code) {
      id
      securityLevel
    }
  }
`);

export const SecurityMetricsQuery = graphql(`
  query SecurityMetrics($window: MetricsWindow!) {
    securityMetrics(window: $window) {
      window
      since
      sampledAt
      totalEvents
      failedLogins
      ipViolations
      rateLimitHits
      activeSessions
      sessionsStarted
      authenticationSuccessRate
      eventCounts {
        type
        count
      }
      twoFactorAdoption {
        admins
        enrolled
        rate
      }
    }
  }
`);

export const SecurityMetricsSubscription = graphql(`
  subscription LiveSecurityMetrics($window: MetricsWindow!) {
    securityMetrics(window: $window) {
      window
      since
      sampledAt
      totalEvents
      failedLogins
      ipViolations
      rateLimitHits
      activeSessions
      sessionsStarted
      authenticationSuccessRate
      eventCounts {
        type
        count
      }
      twoFactorAdoption {
        admins
        enrolled
        rate
      }
    }
  }
`);

export const SystemQuery = graphql(`
  query System {
    systemHealth {
      status
      checkedAt
      components {
        name
        status
        latencyMs
        error
      }
    }
    systemMetrics {
      hostname
      sampledAt
      cpu {
        cores
        utilizationPercent
        loadAverage
      }
      memory {
        usedPercent
        usedBytes
        totalBytes
      }
      disk {
        path
        usedPercent
        availableBytes
      }
      connections {
        tcpTotal
      }
      network {
        name
        receivedBytes
        sentBytes
      }
      uptime {
        processSeconds
      }
    }
  }
`);
