import { buildFederatedSchema, type FederatedSchema } from "@rampart/kit";
import {
  NotificationResolver,
  UserNotificationsResolver,
  userReference,
} from "./modules/notifications/notification.resolver";
import { UserReference } from "./modules/notifications/user.reference";

/** The notifications subgraph's schema. */
export const buildNotificationsSchema = (): Promise<FederatedSchema> =>
  buildFederatedSchema(
    {
      resolvers: [UserNotificationsResolver, NotificationResolver],
      orphanedTypes: [UserReference],
    },
    { User: userReference },
  );
