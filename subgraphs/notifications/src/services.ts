import { loadOrCreateDevSecret, SecretBox } from "@rampart/kit";
import type { SubgraphContext, SubgraphRuntime } from "@rampart/kit/subgraph";
import { NOTIFICATIONS_DEV_SECRET, type NotificationsConfig } from "./config";

/** What notifications' resolvers and delivery worker use besides the shared runtime. */
export interface NotificationsServices {
  /** Seals webhook signing secrets at rest (`NOTIFICATIONS_ENCRYPTION_KEY`). */
  readonly secretBox: SecretBox;
}

/** What notifications' resolvers receive. */
export type NotificationsContext = SubgraphContext<NotificationsConfig, NotificationsServices>;

/** Creates notifications' services from its runtime. */
export function createNotificationsServices(
  runtime: SubgraphRuntime<NotificationsConfig>,
): NotificationsServices {
  const { config } = runtime;
  return {
    secretBox: new SecretBox(
      config.NOTIFICATIONS_ENCRYPTION_KEY ??
        loadOrCreateDevSecret(config.RAMPART_DATA_DIR, NOTIFICATIONS_DEV_SECRET),
    ),
  };
}
