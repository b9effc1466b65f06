import os from "node:os";
import type { SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseNotificationsConfig, type NotificationsConfig } from "./config";
import { migrations } from "./migrations";
import { DeliveryEngine } from "./modules/delivery/delivery.engine";
import { Delivery } from "./modules/delivery/delivery.entity";
import { DeliveryWorker } from "./modules/delivery/delivery.worker";
import { createProviders } from "./modules/delivery/providers";
import { AlertDispatcher, alertTargetsOf } from "./modules/dispatch/alert-dispatch";
import { CustomerNoticeDispatcher } from "./modules/dispatch/customer-notice-dispatch";
import { Notification } from "./modules/notifications/notification.entity";
import { ChannelPreference } from "./modules/preferences/channel-preference.entity";
import { buildNotificationsSchema } from "./schema";
import { seedNotifications } from "./seed";
import { createNotificationsServices, type NotificationsServices } from "./services";

type NotificationsDefinition = SubgraphDefinition<NotificationsConfig, NotificationsServices>;

/**
 * The notifications subgraph: messages to users, and their durable delivery over email, SMS,
 * Slack and webhooks; security alerts and lockdown switches dispatched to the alert channels;
 * fulfillment's customer notices sent to the shipments' customers by email and SMS.
 */
export const notificationsSubgraph: NotificationsDefinition = {
  name: "notifications",
  parseConfig: parseNotificationsConfig,
  entities: [Notification, Delivery, ChannelPreference],
  migrations,
  buildSchema: buildNotificationsSchema,
  services: createNotificationsServices,
  async start(runtime, em, services = createNotificationsServices(runtime)) {
    const { config, logger } = runtime;
    const providers = createProviders(config);
    // Webhooks are signed with their destination's secret; ALERT_WEBHOOK_SECRET is that URL's.
    const alertWebhook =
      config.ALERT_WEBHOOK_URL && config.ALERT_WEBHOOK_SECRET
        ? { url: config.ALERT_WEBHOOK_URL, secret: config.ALERT_WEBHOOK_SECRET }
        : undefined;
    const engine = await DeliveryEngine.start({
      em,
      config,
      handlers: new DeliveryWorker(em, providers, logger, {
        secretBox: services.secretBox,
        alertWebhook,
      }),
      logger,
    });
    const dispatcher = new AlertDispatcher({
      events: runtime.stores.events,
      pubsub: runtime.stores.pubsub,
      em,
      engine,
      logger,
      targets: alertTargetsOf(config),
      minSeverity: config.ALERT_DISPATCH_MIN_SEVERITY,
      organizationId: config.CLERK_SUPERADMIN_ORG_ID,
      consumer: `notifications-${os.hostname()}`,
    });
    const customerNotices = new CustomerNoticeDispatcher({
      events: runtime.stores.events,
      em,
      engine,
      logger,
      consumer: `notifications-${os.hostname()}`,
    });
    await dispatcher.start();
    await customerNotices.start();
    // SIGTERM: stop reading alerts and notices, let running deliveries finish, close providers.
    return async () => {
      await Promise.all([dispatcher.stop(), customerNotices.stop()]);
      await engine.stop();
      for (const provider of providers.values()) provider.close?.();
    };
  },
  seed: seedNotifications,
};
