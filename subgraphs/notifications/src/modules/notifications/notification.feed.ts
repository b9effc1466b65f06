import type { EntityManager } from "@mikro-orm/core";
import { SecurityLevel, withOrgPrefix, type Identity, type Logger } from "@rampart/kit";
import type { PubSub } from "@rampart/kit/stores";
import { Notification, NotificationAudience } from "./notification.entity";

/** Pubsub channel announcing every committed notification (`{ id, userId, organizationId }`). */
export const NOTIFICATIONS_CREATED_CHANNEL = "notifications:created";

/** What an announcement carries: enough to decide who may see it, never its text. */
interface NotificationAnnouncement {
  id: string;
  userId: string | null;
  organizationId: string;
  /** Absent in announcements of earlier releases: those were all `STAFF`. */
  audience?: NotificationAudience;
}

/** Announces a committed notification to `myNotifications` subscribers; failures are logged. */
export async function announceNotification(
  pubsub: PubSub,
  notification: Pick<Notification, "id" | "userId" | "organizationId" | "audience">,
  logger: Logger,
): Promise<void> {
  const announcement: NotificationAnnouncement = {
    id: notification.id,
    userId: notification.userId,
    organizationId: notification.organizationId,
    audience: notification.audience,
  };
  await pubsub
    .publish(NOTIFICATIONS_CREATED_CHANNEL, JSON.stringify(announcement))
    .catch((error: unknown) => logger.error({ err: error }, "could not announce a notification"));
}

/**
 * Whether `identity` receives a notification: its recipient in its organization, or, for one
 * addressed to the organization as a whole, an admin of it with a verified second factor (the
 * same as the read rule). A customer's notification is nobody's here: it is read through its
 * shipment, never in the organization's feed.
 */
export function isRecipient(identity: Identity, notification: NotificationAnnouncement): boolean {
  if (notification.audience === NotificationAudience.CUSTOMER) return false;
  if (!identity.userId || identity.organizationId !== notification.organizationId) return false;
  if (notification.userId !== null) return notification.userId === identity.userId;
  return (
    identity.role !== null &&
    withOrgPrefix(identity.role) === "org:admin" &&
    identity.securityLevel >= SecurityLevel.SecondFactor
  );
}

/** Announcements a slow subscriber may have waiting before the oldest are dropped. */
const MAX_WAITING = 1_000;

/**
 * The caller's new notifications, live: listens on {@link NOTIFICATIONS_CREATED_CHANNEL}, keeps
 * those `identity` receives, and reads each from the database. Not replayed: `adminNotifications`
 * gives what came before. `return()` unsubscribes.
 */
export async function subscribeToMyNotifications(
  pubsub: PubSub,
  em: EntityManager,
  identity: Identity,
  logger: Logger,
): Promise<AsyncIterableIterator<Notification>> {
  const waiting: string[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const unsubscribe = await pubsub.subscribe(NOTIFICATIONS_CREATED_CHANNEL, (message) => {
    if (closed) return;
    let announcement: NotificationAnnouncement;
    try {
      announcement = JSON.parse(message) as NotificationAnnouncement;
    } catch {
      return;
    }
    if (!isRecipient(identity, announcement)) return;
    if (waiting.length >= MAX_WAITING) waiting.shift();
    waiting.push(announcement.id);
    wake?.();
  });
  const iterator: AsyncIterableIterator<Notification> = {
    async next() {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        const id = waiting.shift();
        if (id) {
          const notification = await em.fork().findOne(Notification, { id });
          if (notification) return { done: false, value: notification };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    },
    async return() {
      if (!closed) {
        closed = true;
        wake?.();
        await unsubscribe().catch((error: unknown) =>
          logger.warn({ err: error }, "could not unsubscribe a notification feed"),
        );
      }
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
