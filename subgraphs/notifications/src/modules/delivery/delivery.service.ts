import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/core";
import type { NotificationChannel } from "../notifications/notification.entity";
import type { DeliveryEngine } from "./delivery.engine";
import { Delivery, DeliveryStatus } from "./delivery.entity";

/** One place a notification goes. */
export interface DeliveryTarget {
  readonly channel: NotificationChannel;
  /** Email address, E.164 number or URL. */
  readonly destination: string;
  /** The channel preference it comes from; absent for the configured alert channels. */
  readonly preferenceId?: string;
}

/**
 * Creates the deliveries of a notification and queues their jobs, inside the caller's open
 * transaction (the one that creates the notification): all commit together or none does.
 */
export async function createDeliveries(
  tx: EntityManager,
  engine: DeliveryEngine,
  notification: { id: string; organizationId: string },
  targets: readonly DeliveryTarget[],
): Promise<Delivery[]> {
  const now = new Date();
  const deliveries = targets.map((target) =>
    tx.create(Delivery, {
      id: randomUUID(),
      notificationId: notification.id,
      organizationId: notification.organizationId,
      channel: target.channel,
      destination: target.destination,
      preferenceId: target.preferenceId ?? null,
      status: DeliveryStatus.PENDING,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    }),
  );
  await tx.flush();
  await engine.enqueue(
    tx,
    deliveries.map((delivery) => delivery.id),
  );
  return deliveries;
}

/** The deliveries of one notification, oldest first. */
export const deliveriesOf = (em: EntityManager, notificationId: string): Promise<Delivery[]> =>
  em.find(Delivery, { notificationId }, { orderBy: { createdAt: "asc", id: "asc" } });
