import {
  buildFederatedSchema,
  ruleOptionsFrom,
  type FederatedSchema,
  type SubgraphConfig,
} from "@rampart/kit/subgraph";
import {
  DeliveryResolver,
  NotificationDeliveriesResolver,
} from "./modules/delivery/delivery.resolver";
import {
  NotificationResolver,
  notificationReference,
  UserNotificationsResolver,
  userReference,
} from "./modules/notifications/notification.resolver";
import {
  ShipmentCustomerNotificationsResolver,
  shipmentReference,
} from "./modules/notifications/customer-notification.resolver";
import { MyNotificationsResolver } from "./modules/notifications/my-notifications.resolver";
import { OrganizationNotificationResolver } from "./modules/notifications/organization-notification.resolver";
import { ShipmentReference } from "./modules/notifications/shipment.reference";
import { UserReference } from "./modules/notifications/user.reference";
import { ChannelPreferenceResolver } from "./modules/preferences/channel-preference.resolver";
import { notificationsPermissions } from "./permissions";

/**
 * The notifications subgraph's schema, guarded by its permissions. Without `config` (the SDL drift
 * check) the rules take their fail-closed defaults.
 */
export const buildNotificationsSchema = (config?: SubgraphConfig): Promise<FederatedSchema> =>
  buildFederatedSchema(
    {
      resolvers: [
        UserNotificationsResolver,
        NotificationResolver,
        OrganizationNotificationResolver,
        MyNotificationsResolver,
        ChannelPreferenceResolver,
        NotificationDeliveriesResolver,
        DeliveryResolver,
        ShipmentCustomerNotificationsResolver,
      ],
      orphanedTypes: [UserReference, ShipmentReference],
    },
    { User: userReference, Notification: notificationReference, Shipment: shipmentReference },
    notificationsPermissions(config ? ruleOptionsFrom(config) : {}),
  );
