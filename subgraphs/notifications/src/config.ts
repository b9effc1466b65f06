import {
  ConfigError,
  defaultDataDir,
  parseConfig,
  readDevSecret,
  subgraphPortOf,
  type Environment,
} from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";
import { z } from "zod";
import {
  deliveryConfigShape,
  deliveryConsistencyProblems,
  deliveryProductionProblems,
} from "./modules/delivery/delivery.config";

/** Name of the key generated under `<RAMPART_DATA_DIR>/keys` in development. */
export const NOTIFICATIONS_DEV_SECRET = "notifications-encryption";

const notificationsShape = {
  ...deliveryConfigShape,
  /**
   * Key that seals the webhook signing secrets of channel preferences at rest, with the same
   * AES-256-GCM sealing as TOTP secrets. Default a generated development key.
   */
  NOTIFICATIONS_ENCRYPTION_KEY: z
    .string()
    .transform((value) => Buffer.from(value, "base64"))
    .refine((key) => key.length === 32, "must be 32 bytes, base64-encoded")
    .optional()
    .describe(
      "Set NOTIFICATIONS_ENCRYPTION_KEY to 32 random bytes in base64 (openssl rand -base64 32)",
    ),
};

/** The notifications subgraph's configuration: every subgraph's settings plus delivery. */
export type NotificationsConfig = SubgraphConfig &
  Readonly<z.infer<z.ZodObject<typeof notificationsShape>>>;

/**
 * Parses the notifications subgraph's environment (the shared subgraph settings, default port
 * from the subgraph list, the delivery settings and the sealing key); production refuses
 * clear-text channels and a missing or development `NOTIFICATIONS_ENCRYPTION_KEY`.
 */
export function parseNotificationsConfig(environment: Environment): NotificationsConfig {
  const base = parseSubgraphConfig(subgraphPortOf("notifications"), environment);
  const own = parseConfig(notificationsShape, environment);
  const problems = [
    ...deliveryConsistencyProblems(own),
    ...(base.NODE_ENV === "production"
      ? [...deliveryProductionProblems(own), ...encryptionKeyProblems(own, base.RAMPART_DATA_DIR)]
      : []),
  ];
  if (problems.length > 0) {
    throw new ConfigError(problems.map(([variable, message]) => ({ variable, message })));
  }
  return Object.freeze({ ...base, ...own });
}

/** Production's refusals of the sealing key: none set, or the generated development one. */
function encryptionKeyProblems(
  own: { NOTIFICATIONS_ENCRYPTION_KEY?: Buffer },
  dataDir: string,
): [string, string][] {
  const key = own.NOTIFICATIONS_ENCRYPTION_KEY;
  if (!key) {
    return [
      [
        "NOTIFICATIONS_ENCRYPTION_KEY",
        "is required in production (generated keys are for development)",
      ],
    ];
  }
  // A development key sits in a readable file of a checkout or image: both data folders are
  // looked at (as commerce's COMMERCE_ENCRYPTION_KEY).
  const developmentKeys = [...new Set([dataDir, defaultDataDir])].map((dir) =>
    readDevSecret(dir, NOTIFICATIONS_DEV_SECRET),
  );
  if (developmentKeys.some((devKey) => devKey !== null && devKey.equals(key))) {
    return [
      [
        "NOTIFICATIONS_ENCRYPTION_KEY",
        "is the development key generated under RAMPART_DATA_DIR/keys. Set NOTIFICATIONS_ENCRYPTION_KEY to a key of your own (openssl rand -base64 32)",
      ],
    ];
  }
  return [];
}

/** The notifications subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): NotificationsConfig => parseNotificationsConfig(process.env);

/** The notifications subgraph's own environment variables, beyond every subgraph's (`npm run docs`). */
export { notificationsShape as notificationsConfigShape };
