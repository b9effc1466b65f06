import type { SubgraphConfig, SubgraphDefinition } from "@rampart/kit/subgraph";
import { parseNotificationsConfig } from "./config";
import { migrations } from "./migrations";
import { Notification } from "./modules/notifications/notification.entity";
import { buildNotificationsSchema } from "./schema";
import { seedNotifications } from "./seed";

/** The notifications subgraph: messages to users. */
export const notificationsSubgraph: SubgraphDefinition<SubgraphConfig, undefined> = {
  name: "notifications",
  parseConfig: parseNotificationsConfig,
  entities: [Notification],
  migrations,
  buildSchema: buildNotificationsSchema,
  // Resolvers use the runtime and the entity manager only.
  services: () => undefined,
  seed: seedNotifications,
};
