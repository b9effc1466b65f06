/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Open, then acknowledged (optional), then resolved. */
export type AlertStatus =
  | 'ACKNOWLEDGED'
  | 'OPEN'
  | 'RESOLVED';

/** Whether a component answers. */
export type HealthStatus =
  /** Failed, timed out, or (a subgraph) reported a dependency down. */
  | 'DOWN'
  /** Answered within the timeout (a subgraph: its /health said 200). */
  | 'UP';

/** How far back security metrics count stored events, ending now. Seven days at most: older events stay in securityEvents. */
export type MetricsWindow =
  /** The last 5 minutes. */
  | 'LAST_5_MINUTES'
  /** The last 7 days. */
  | 'LAST_7_DAYS'
  /** The last 24 hours. */
  | 'LAST_24_HOURS'
  /** The last 60 minutes. */
  | 'LAST_HOUR';

/** Which security events to return; every given criterion must hold. */
export type SecurityEventFilter = {
  /** By this user. */
  actorId?: string | number | null | undefined;
  /** From this client IP. */
  ip?: string | null | undefined;
  /** Concerning this organization. */
  organizationId?: string | number | null | undefined;
  /** Any of these severities: info, low, medium, high, critical. */
  severities?: Array<string> | null | undefined;
  /** Occurred at or after this time. */
  since?: string | null | undefined;
  /** Any of these types (at most 100). */
  types?: Array<string> | null | undefined;
  /** Occurred before this time. */
  until?: string | null | undefined;
};

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, email: string | null, displayName: string | null, twoFactorEnabled: boolean | null, securityLevel: number | null } | null };

export type SecurityEventFieldsFragment = { id: string, type: string, severity: string, reason: string, ip: string | null, occurredAt: string, actorId: string | null, organizationId: string | null, requestId: string | null, organization: { id: string, name: string } | null };

export type SecurityEventsQueryVariables = Exact<{
  filter?: SecurityEventFilter | null | undefined;
  first: number;
  after?: string | null | undefined;
}>;


export type SecurityEventsQuery = { securityEvents: { edges: Array<{ cursor: string, node: { id: string, type: string, severity: string, reason: string, ip: string | null, occurredAt: string, actorId: string | null, organizationId: string | null, requestId: string | null, organization: { id: string, name: string } | null } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type LiveSecurityEventsSubscriptionVariables = Exact<{
  filter?: SecurityEventFilter | null | undefined;
  after?: string | number | null | undefined;
}>;


export type LiveSecurityEventsSubscription = { securityEvents: { id: string, type: string, severity: string, reason: string, ip: string | null, occurredAt: string, actorId: string | null, organizationId: string | null, requestId: string | null, organization: { id: string, name: string } | null } };

export type SecurityAlertFieldsFragment = { id: string, title: string, summary: string, severity: string, status: AlertStatus, rule: string, occurrences: number, firstSeenAt: string, lastSeenAt: string, acknowledgedAt: string | null, acknowledgementNote: string | null, resolvedAt: string | null, resolutionNote: string | null };

export type SecurityAlertsQueryVariables = Exact<{
  status?: Array<AlertStatus> | AlertStatus | null | undefined;
}>;


export type SecurityAlertsQuery = { securityAlerts: Array<{ id: string, title: string, summary: string, severity: string, status: AlertStatus, rule: string, occurrences: number, firstSeenAt: string, lastSeenAt: string, acknowledgedAt: string | null, acknowledgementNote: string | null, resolvedAt: string | null, resolutionNote: string | null }> };

export type LiveSecurityAlertsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type LiveSecurityAlertsSubscription = { securityAlerts: { id: string, title: string, summary: string, severity: string, status: AlertStatus, rule: string, occurrences: number, firstSeenAt: string, lastSeenAt: string, acknowledgedAt: string | null, acknowledgementNote: string | null, resolvedAt: string | null, resolutionNote: string | null } };

export type AcknowledgeAlertMutationVariables = Exact<{
  id: string | number;
  note?: string | null | undefined;
}>;


export type AcknowledgeAlertMutation = { acknowledgeAlert: { id: string, title: string, summary: string, severity: string, status: AlertStatus, rule: string, occurrences: number, firstSeenAt: string, lastSeenAt: string, acknowledgedAt: string | null, acknowledgementNote: string | null, resolvedAt: string | null, resolutionNote: string | null } };

export type ResolveAlertMutationVariables = Exact<{
  id: string | number;
  note?: string | null | undefined;
}>;


export type ResolveAlertMutation = { resolveAlert: { id: string, title: string, summary: string, severity: string, status: AlertStatus, rule: string, occurrences: number, firstSeenAt: string, lastSeenAt: string, acknowledgedAt: string | null, acknowledgementNote: string | null, resolvedAt: string | null, resolutionNote: string | null } };

export type LockdownQueryVariables = Exact<{ [key: string]: never; }>;


export type LockdownQuery = { emergencyLockdown: { active: boolean, reason: string, actorId: string | null, changedAt: string | null } };

export type ActivateLockdownMutationVariables = Exact<{
  reason: string;
}>;


export type ActivateLockdownMutation = { activateEmergencyLockdown: { active: boolean, reason: string, actorId: string | null, changedAt: string | null } };

export type DeactivateLockdownMutationVariables = Exact<{
  reason: string;
}>;


export type DeactivateLockdownMutation = { deactivateEmergencyLockdown: { active: boolean, reason: string, actorId: string | null, changedAt: string | null } };

export type IpAllowlistQueryVariables = Exact<{ [key: string]: never; }>;


export type IpAllowlistQuery = { ipAllowlistEntries: Array<{ id: string, ipRange: string, description: string, isGlobal: boolean, organizationId: string | null, createdBy: string, createdAt: string, expiresAt: string | null }> };

export type AddIpAllowlistEntryMutationVariables = Exact<{
  ipRange: string;
  description: string;
  isGlobal: boolean;
  organizationId?: string | number | null | undefined;
  expiresAt?: string | null | undefined;
}>;


export type AddIpAllowlistEntryMutation = { addIpAllowlistEntry: { id: string } };

export type RemoveIpAllowlistEntryMutationVariables = Exact<{
  id: string | number;
}>;


export type RemoveIpAllowlistEntryMutation = { removeIpAllowlistEntry: boolean };

export type MySessionsQueryVariables = Exact<{ [key: string]: never; }>;


export type MySessionsQuery = { mySessions: Array<{ id: string, current: boolean, ip: string, securityLevel: number, userAgent: string | null, createdAt: string, lastSeenAt: string }> };

export type RevokeSessionMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeSessionMutation = { revokeSession: boolean };

export type RevokeUserSessionsMutationVariables = Exact<{
  userId: string | number;
}>;


export type RevokeUserSessionsMutation = { revokeUserSessions: boolean };

export type RevokeAllSessionsMutationVariables = Exact<{ [key: string]: never; }>;


export type RevokeAllSessionsMutation = { revokeAllSessions: boolean };

export type BeginTwoFactorEnrollmentMutationVariables = Exact<{
  replacePending: boolean;
}>;


export type BeginTwoFactorEnrollmentMutation = { beginTwoFactorEnrollment: { otpauthUri: string, secret: string } };

export type ConfirmTwoFactorEnrollmentMutationVariables = Exact<{
  code: string;
}>;


export type ConfirmTwoFactorEnrollmentMutation = { confirmTwoFactorEnrollment: { backupCodes: Array<string> } };

export type VerifyTwoFactorMutationVariables = Exact<{
  code: string;
}>;


export type VerifyTwoFactorMutation = { verifyTwoFactor: { id: string, securityLevel: number } | null };

export type VerifyBackupCodeMutationVariables = Exact<{
  code: string;
}>;


export type VerifyBackupCodeMutation = { verifyBackupCode: { id: string, securityLevel: number } | null };

export type SecurityMetricsQueryVariables = Exact<{
  window: MetricsWindow;
}>;


export type SecurityMetricsQuery = { securityMetrics: { window: MetricsWindow, since: string, sampledAt: string, totalEvents: number, failedLogins: number, ipViolations: number, rateLimitHits: number, activeSessions: number, sessionsStarted: number, authenticationSuccessRate: number | null, eventCounts: Array<{ type: string, count: number }>, twoFactorAdoption: { admins: number, enrolled: number, rate: number | null } } };

export type LiveSecurityMetricsSubscriptionVariables = Exact<{
  window: MetricsWindow;
}>;


export type LiveSecurityMetricsSubscription = { securityMetrics: { window: MetricsWindow, since: string, sampledAt: string, totalEvents: number, failedLogins: number, ipViolations: number, rateLimitHits: number, activeSessions: number, sessionsStarted: number, authenticationSuccessRate: number | null, eventCounts: Array<{ type: string, count: number }>, twoFactorAdoption: { admins: number, enrolled: number, rate: number | null } } };

export type SystemQueryVariables = Exact<{ [key: string]: never; }>;


export type SystemQuery = { systemHealth: { status: HealthStatus, checkedAt: string, components: Array<{ name: string, status: HealthStatus, latencyMs: number | null, error: string | null }> }, systemMetrics: { hostname: string, sampledAt: string, cpu: { cores: number, utilizationPercent: number | null, loadAverage: Array<number> }, memory: { usedPercent: number, usedBytes: number, totalBytes: number }, disk: { path: string, usedPercent: number, availableBytes: number }, connections: { tcpTotal: number }, network: Array<{ name: string, receivedBytes: number, sentBytes: number }>, uptime: { processSeconds: number } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const SecurityEventFieldsFragmentDoc = new TypedDocumentString(`
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
    `, {"fragmentName":"SecurityEventFields"}) as unknown as TypedDocumentString<SecurityEventFieldsFragment, unknown>;
export const SecurityAlertFieldsFragmentDoc = new TypedDocumentString(`
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
    `, {"fragmentName":"SecurityAlertFields"}) as unknown as TypedDocumentString<SecurityAlertFieldsFragment, unknown>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    id
    email
    displayName
    twoFactorEnabled
    securityLevel
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const SecurityEventsDocument = new TypedDocumentString(`
    query SecurityEvents($filter: SecurityEventFilter, $first: Int!, $after: String) {
  securityEvents(filter: $filter, first: $first, after: $after) {
    edges {
      cursor
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
    `) as unknown as TypedDocumentString<SecurityEventsQuery, SecurityEventsQueryVariables>;
export const LiveSecurityEventsDocument = new TypedDocumentString(`
    subscription LiveSecurityEvents($filter: SecurityEventFilter, $after: ID) {
  securityEvents(filter: $filter, after: $after) {
    ...SecurityEventFields
  }
}
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
}`) as unknown as TypedDocumentString<LiveSecurityEventsSubscription, LiveSecurityEventsSubscriptionVariables>;
export const SecurityAlertsDocument = new TypedDocumentString(`
    query SecurityAlerts($status: [AlertStatus!]) {
  securityAlerts(status: $status) {
    ...SecurityAlertFields
  }
}
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
}`) as unknown as TypedDocumentString<SecurityAlertsQuery, SecurityAlertsQueryVariables>;
export const LiveSecurityAlertsDocument = new TypedDocumentString(`
    subscription LiveSecurityAlerts {
  securityAlerts {
    ...SecurityAlertFields
  }
}
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
}`) as unknown as TypedDocumentString<LiveSecurityAlertsSubscription, LiveSecurityAlertsSubscriptionVariables>;
export const AcknowledgeAlertDocument = new TypedDocumentString(`
    mutation AcknowledgeAlert($id: ID!, $note: String) {
  acknowledgeAlert(id: $id, note: $note) {
    ...SecurityAlertFields
  }
}
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
}`) as unknown as TypedDocumentString<AcknowledgeAlertMutation, AcknowledgeAlertMutationVariables>;
export const ResolveAlertDocument = new TypedDocumentString(`
    mutation ResolveAlert($id: ID!, $note: String) {
  resolveAlert(id: $id, note: $note) {
    ...SecurityAlertFields
  }
}
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
}`) as unknown as TypedDocumentString<ResolveAlertMutation, ResolveAlertMutationVariables>;
export const LockdownDocument = new TypedDocumentString(`
    query Lockdown {
  emergencyLockdown {
    active
    reason
    actorId
    changedAt
  }
}
    `) as unknown as TypedDocumentString<LockdownQuery, LockdownQueryVariables>;
export const ActivateLockdownDocument = new TypedDocumentString(`
    mutation ActivateLockdown($reason: String!) {
  activateEmergencyLockdown(reason: $reason) {
    active
    reason
    actorId
    changedAt
  }
}
    `) as unknown as TypedDocumentString<ActivateLockdownMutation, ActivateLockdownMutationVariables>;
export const DeactivateLockdownDocument = new TypedDocumentString(`
    mutation DeactivateLockdown($reason: String!) {
  deactivateEmergencyLockdown(reason: $reason) {
    active
    reason
    actorId
    changedAt
  }
}
    `) as unknown as TypedDocumentString<DeactivateLockdownMutation, DeactivateLockdownMutationVariables>;
export const IpAllowlistDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<IpAllowlistQuery, IpAllowlistQueryVariables>;
export const AddIpAllowlistEntryDocument = new TypedDocumentString(`
    mutation AddIpAllowlistEntry($ipRange: String!, $description: String!, $isGlobal: Boolean!, $organizationId: ID, $expiresAt: DateTimeISO) {
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
    `) as unknown as TypedDocumentString<AddIpAllowlistEntryMutation, AddIpAllowlistEntryMutationVariables>;
export const RemoveIpAllowlistEntryDocument = new TypedDocumentString(`
    mutation RemoveIpAllowlistEntry($id: ID!) {
  removeIpAllowlistEntry(id: $id)
}
    `) as unknown as TypedDocumentString<RemoveIpAllowlistEntryMutation, RemoveIpAllowlistEntryMutationVariables>;
export const MySessionsDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<MySessionsQuery, MySessionsQueryVariables>;
export const RevokeSessionDocument = new TypedDocumentString(`
    mutation RevokeSession($id: ID!) {
  revokeSession(id: $id)
}
    `) as unknown as TypedDocumentString<RevokeSessionMutation, RevokeSessionMutationVariables>;
export const RevokeUserSessionsDocument = new TypedDocumentString(`
    mutation RevokeUserSessions($userId: ID!) {
  revokeUserSessions(userId: $userId)
}
    `) as unknown as TypedDocumentString<RevokeUserSessionsMutation, RevokeUserSessionsMutationVariables>;
export const RevokeAllSessionsDocument = new TypedDocumentString(`
    mutation RevokeAllSessions {
  revokeAllSessions
}
    `) as unknown as TypedDocumentString<RevokeAllSessionsMutation, RevokeAllSessionsMutationVariables>;
export const BeginTwoFactorEnrollmentDocument = new TypedDocumentString(`
    mutation BeginTwoFactorEnrollment($replacePending: Boolean!) {
  beginTwoFactorEnrollment(replacePending: $replacePending) {
    otpauthUri
    secret
  }
}
    `) as unknown as TypedDocumentString<BeginTwoFactorEnrollmentMutation, BeginTwoFactorEnrollmentMutationVariables>;
export const ConfirmTwoFactorEnrollmentDocument = new TypedDocumentString(`
    mutation ConfirmTwoFactorEnrollment($code: String!) {
  confirmTwoFactorEnrollment(code: $code) {
    backupCodes
  }
}
    `) as unknown as TypedDocumentString<ConfirmTwoFactorEnrollmentMutation, ConfirmTwoFactorEnrollmentMutationVariables>;
export const VerifyTwoFactorDocument = new TypedDocumentString(`
    mutation VerifyTwoFactor($code: String!) {
  verifyTwoFactor(code: $code) {
    id
    securityLevel
  }
}
    `) as unknown as TypedDocumentString<VerifyTwoFactorMutation, VerifyTwoFactorMutationVariables>;
export const VerifyBackupCodeDocument = new TypedDocumentString(`
    mutation VerifyBackupCode($code: String!) {
  verifyBackupCode(code: $code) {
    id
    securityLevel
  }
}
    `) as unknown as TypedDocumentString<VerifyBackupCodeMutation, VerifyBackupCodeMutationVariables>;
export const SecurityMetricsDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<SecurityMetricsQuery, SecurityMetricsQueryVariables>;
export const LiveSecurityMetricsDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<LiveSecurityMetricsSubscription, LiveSecurityMetricsSubscriptionVariables>;
export const SystemDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<SystemQuery, SystemQueryVariables>;