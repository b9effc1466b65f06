import type { SubgraphDefinition } from "@rampart/kit";
import { migrations } from "./migrations";
import { Notification } from "./modules/notifications/notification.entity";
import { buildNotificationsSchema } from "./schema";
import { seedNotifications } from "./seed";

/** The notifications subgraph: messages to users. */
export const notificationsSubgraph: SubgraphDefinition = {
  name: "notifications",
  entities: [Notification],
  migrations,
  buildSchema: buildNotificationsSchema,
  seed: seedNotifications,
};
