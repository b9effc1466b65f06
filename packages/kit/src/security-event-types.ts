// The security-event contract every process shares (the recorder, its spool, the security
// subgraph's consumer): types and the stream name, no behaviour.

/** Stream that carries security events from every process to the security subgraph. */
export const SECURITY_EVENT_STREAM = "security-events";

/** How serious an event is. */
export type SecuritySeverity = "info" | "low" | "medium" | "high" | "critical";

/** One security-relevant decision. Never holds a token, secret or code. */
export interface SecurityEvent {
  /** Unique id (UUID). */
  readonly id: string;
  /** Dotted type, such as `authentication.failed`. */
  readonly type: string;
  /** Severity. */
  readonly severity: SecuritySeverity;
  /** User who acted, when known. */
  readonly actorId: string | null;
  /** Organization the action concerned, when known. */
  readonly organizationId: string | null;
  /** Client IP. */
  readonly ip: string | null;
  /** Why (for a refusal: the reason, never the credential). */
  readonly reason: string;
  /** Request that caused it. */
  readonly requestId: string | null;
  /** When, ISO 8601. */
  readonly occurredAt: string;
}

/**
 * What a caller supplies; id and time are filled in unless given (a change's audit record
 * carries the id of the event that announces it, so both name one record).
 */
export type SecurityEventInput = Omit<SecurityEvent, "id" | "occurredAt"> & {
  id?: string;
  occurredAt?: string;
};

/**
 * A user's access to an organization ended in Clerk (removed, demoted from admin, or deleted):
 * `actorId` is that user, `organizationId` the organization (null: every organization, the user
 * was deleted). The security subgraph records it; the notifications subgraph disables the user's
 * own alert channels there.
 */
export const MEMBERSHIP_ENDED_EVENT = "membership.ended";
