import {
  MEMBERSHIP_ENDED_EVENT,
  type SecurityEventRecorder,
  type SessionStore,
} from "@rampart/kit";

/** Why a user's access to an organization ended, as Clerk reported it. */
export interface EndedMembership {
  /** The Clerk user id. */
  readonly userId: string;
  /** The organization; null when the user was deleted (every organization). */
  readonly organizationId: string | null;
  /** What happened, for the event's reason (`organizationMembership.deleted`, ...); no personal data. */
  readonly cause: string;
  /** The Clerk delivery that said so (its `svix-id`), recorded as the event's request id. */
  readonly deliveryId: string;
  /** Where the delivery came from (the webhook's socket peer). */
  readonly ip: string | null;
}

/** The session `endReason` of sessions ended by a membership change. */
export const MEMBERSHIP_ENDED_REASON = "membership ended";

/**
 * Acts on an ended membership: ends every session of the user, then records a
 * `membership.ended` security event (the notifications subgraph disables the user's own alert
 * channels on it). Platform sessions are per Clerk session, not per organization (a session's
 * organization is only the one it used last, and a token for another organization may still be
 * valid for a minute), so all of the user's sessions end, whatever organization they used.
 *
 * Each listed session is ended by the store's compare-and-set revoke (a concurrent touch cannot
 * write it live again; its `endReason` says why), then the user's bulk revocation covers a
 * session started meanwhile and not yet listed. Both announce the end, so the gateways close
 * the user's sockets. Returns how many sessions were live.
 */
export async function endMembership(
  sessions: SessionStore,
  securityEvents: Pick<SecurityEventRecorder, "record">,
  ended: EndedMembership,
): Promise<number> {
  const live = await sessions.listForUser(ended.userId);
  await Promise.all(live.map((session) => sessions.revoke(session.id, MEMBERSHIP_ENDED_REASON)));
  await sessions.revokeUser(ended.userId);
  await securityEvents.record({
    type: MEMBERSHIP_ENDED_EVENT,
    severity: "medium",
    actorId: ended.userId,
    organizationId: ended.organizationId,
    ip: ended.ip,
    reason: `${ended.cause}: ${live.length} session(s) revoked`,
    requestId: ended.deliveryId,
  });
  return live.length;
}
