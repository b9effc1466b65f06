import type { EntityManager } from "@mikro-orm/core";
import { MEMBERSHIP_ENDED_EVENT, type Logger, type SecurityEvent } from "@rampart/kit";
import { ChannelPreference, ORGANIZATION_RECIPIENT } from "./channel-preference.entity";

/**
 * Acts on a `membership.ended` security event (a user removed from an organization, demoted
 * from admin, or deleted, as Clerk reported it to the security subgraph): disables every
 * personal channel preference of that user in that organization (in every organization when
 * the event names none), so alerts dispatched afterwards do not reach them. The organization's
 * own preferences stay. Idempotent: a re-read event disables nothing more. Whatever the age of
 * the event, since a late disable is still owed. True when the event was one of these.
 */
export async function disablePreferencesOfEndedMembership(
  em: EntityManager,
  event: SecurityEvent,
  logger: Logger,
): Promise<boolean> {
  if (event.type !== MEMBERSHIP_ENDED_EVENT) return false;
  const userId = event.actorId;
  if (userId === null || userId === ORGANIZATION_RECIPIENT) return true;
  const disabled = await em.fork().nativeUpdate(
    ChannelPreference,
    {
      recipientId: userId,
      ...(event.organizationId === null ? {} : { organizationId: event.organizationId }),
      enabled: true,
    },
    { enabled: false, updatedAt: new Date() },
  );
  logger.info(
    { userId, organizationId: event.organizationId, eventId: event.id, disabled },
    "channel preferences of an ended membership disabled",
  );
  return true;
}
