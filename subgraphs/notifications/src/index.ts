// What the notifications subgraph offers the repository's tools: the environment reference and,
// for `npm run bench:delivery`, the delivery engine with its entities. The service itself
// starts from main.ts; importing this module starts nothing.
export { notificationsConfigShape, parseNotificationsConfig } from "./config";
export { migrations } from "./migrations";
export { DeliveryEngine } from "./modules/delivery/delivery.engine";
export { Delivery, DeliveryStatus } from "./modules/delivery/delivery.entity";
export { createDeliveries } from "./modules/delivery/delivery.service";
export { DeliveryWorker } from "./modules/delivery/delivery.worker";
export { createProviders, type ChannelProvider } from "./modules/delivery/providers";
export { AlertDispatcher, alertTargetsOf } from "./modules/dispatch/alert-dispatch";
export { Notification, NotificationChannel } from "./modules/notifications/notification.entity";
export { ChannelPreference } from "./modules/preferences/channel-preference.entity";
