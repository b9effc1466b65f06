import type { EntityManager } from "@mikro-orm/core";
import { Notification, NotificationChannel } from "./modules/notifications/notification.entity";

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 15));

/** Inserts the demo notifications that are missing; user and org ids match the other seeds. */
export async function seedNotifications(em: EntityManager): Promise<void> {
  await em.upsertMany(
    Notification,
    [
      {
        id: "ntf_1",
        userId: "user_demo_alice",
        organizationId: "org_demo_acme",
        channel: NotificationChannel.IN_APP,
        title: "New order ord_acme_1002",
        body: "Bob Buyer paid $54.00.",
        readAt: null,
        createdAt: day(25),
      },
      {
        id: "ntf_2",
        userId: "user_demo_alice",
        organizationId: "org_demo_acme",
        channel: NotificationChannel.EMAIL,
        title: "Shipment delivered",
        body: "Order ord_acme_1001 was delivered by UPS.",
        readAt: day(24),
        createdAt: day(23),
      },
      {
        id: "ntf_3",
        userId: "user_demo_carol",
        organizationId: "org_demo_globex",
        channel: NotificationChannel.SMS,
        title: "Order confirmed",
        body: "Your Globex order is confirmed.",
        readAt: null,
        createdAt: day(26),
      },
    ],
    { onConflictAction: "ignore" },
  );
}
