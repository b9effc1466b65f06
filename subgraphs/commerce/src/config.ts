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

/** Name of the payment-secret key generated under `<RAMPART_DATA_DIR>/keys` in development. */
export const COMMERCE_DEV_SECRET = "commerce-encryption";

/** Commerce's own settings, beyond every subgraph's. */
const commerceShape = {
  /**
   * Key that seals payment secrets (secret key, webhook signing secret) at rest, with the same
   * AES-256-GCM sealing as TOTP secrets. Default a generated development key.
   */
  COMMERCE_ENCRYPTION_KEY: z
    .string()
    .transform((value) => Buffer.from(value, "base64"))
    .refine((key) => key.length === 32, "must be 32 bytes, base64-encoded")
    .optional()
    .describe("Set COMMERCE_ENCRYPTION_KEY to 32 random bytes in base64 (openssl rand -base64 32)"),
};

/** The commerce subgraph's configuration. */
export type CommerceConfig = SubgraphConfig & Readonly<z.infer<z.ZodObject<typeof commerceShape>>>;

/**
 * Parses the commerce subgraph's environment (the shared subgraph settings, default port
 * from the subgraph list,
 * and its own). Production refuses a missing or development encryption key.
 */
export function parseCommerceConfig(environment: Environment): CommerceConfig {
  const base = parseSubgraphConfig(subgraphPortOf("commerce"), environment);
  const own = parseConfig(commerceShape, environment);
  if (base.NODE_ENV === "production") {
    const key = own.COMMERCE_ENCRYPTION_KEY;
    if (!key) {
      throw ConfigError.invalid(
        "COMMERCE_ENCRYPTION_KEY",
        "is required in production (generated keys are for development)",
      );
    }
    // A development key sits in a readable file of a checkout or image (see the security
    // subgraph's TWO_FACTOR_ENCRYPTION_KEY): both data folders are looked at.
    const developmentKeys = [...new Set([base.RAMPART_DATA_DIR, defaultDataDir])].map((dir) =>
      readDevSecret(dir, COMMERCE_DEV_SECRET),
    );
    if (developmentKeys.some((devKey) => devKey !== null && devKey.equals(key))) {
      throw ConfigError.invalid(
        "COMMERCE_ENCRYPTION_KEY",
        "is the development key generated under RAMPART_DATA_DIR/keys. Set COMMERCE_ENCRYPTION_KEY to a key of your own (openssl rand -base64 32)",
      );
    }
  }
  return Object.freeze({ ...base, ...own });
}

/** The commerce subgraph's configuration; the only place it reads `process.env`. */
export const loadConfig = (): CommerceConfig => parseCommerceConfig(process.env);

/** The commerce subgraph's own environment variables, beyond every subgraph's (`npm run docs`). */
export { commerceShape as commerceConfigShape };
