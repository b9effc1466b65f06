import { randomUUID } from "node:crypto";
import type { EventStream } from "./stores/types";

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

/** What a caller supplies; id and time are filled in. */
export type SecurityEventInput = Omit<SecurityEvent, "id" | "occurredAt"> & { occurredAt?: string };

/** Appends security events to the shared event stream. */
export class SecurityEventRecorder {
  constructor(
    private readonly events: EventStream,
    /** Approximate cap on the stream's length; consumers persist events long before this. */
    private readonly maxLength = 1_000_000,
  ) {}

  /** Records one event and returns it. */
  async record(input: SecurityEventInput): Promise<SecurityEvent> {
    const event: SecurityEvent = {
      ...input,
      id: randomUUID(),
      occurredAt: input.occurredAt ?? new Date().toISOString(),
    };
    await this.events.append(
      SECURITY_EVENT_STREAM,
      { event: JSON.stringify(event) },
      { maxLength: this.maxLength },
    );
    return event;
  }
}

/** Reads an event back from a stream entry's fields. */
export function parseSecurityEvent(fields: Record<string, string>): SecurityEvent {
  return JSON.parse(fields.event) as SecurityEvent;
}
