import {
  ConfigError,
  defaultDataDir,
  ipRangeListSetting,
  parseConfig,
  readDevSecret,
  subgraphPortOf,
} from "@rampart/kit";
import { parseSubgraphConfig, type SubgraphConfig } from "@rampart/kit/subgraph";
import { z } from "zod";
import { alertsConfigShape } from "./modules/alerts/alert.config";
import { clerkWebhookConfigShape } from "./modules/memberships/clerk-webhook.config";
import { monitoringConfigShape } from "./modules/monitoring/monitoring.config";
import { securityEventsConfigShape } from "./modules/security-events/security-event.config";
import {
  configuredTwoFactorKeys,
  TWO_FACTOR_DEV_SECRET,
  twoFactorConfigShape,
} from "./modules/two-factor/two-factor.config";

const securityShape = {
  ...monitoringConfigShape,
  ...securityEventsConfigShape,
  ...alertsConfigShape,
  ...clerkWebhookConfigShape,
  ADMIN_IP_ALLOWLIST: ipRangeListSetting(
    "127.0.0.1/32,::1/128",
    "Set ADMIN_IP_ALLOWLIST to comma-separated CIDRs always allowed (default loopback)",
  ),
  ...twoFactorConfigShape,
};

/** The development TOTP key's name, which production refuses below (the two-factor module's). */
export { TWO_FACTOR_DEV_SECRET };

/** The security subgraph's configuration. */
export type SecurityConfig = SubgraphConfig & Readonly<z.infer<z.ZodObject<typeof securityShape>>>;

/** Parses the security subgraph's environment; the only place it reads `process.env`. */
export function parseSecurityConfig(
  environment: Readonly<Record<string, string | undefined>>,
): SecurityConfig {
  const base = parseSubgraphConfig(subgraphPortOf("security"), environment);
  const own = parseConfig(securityShape, environment);
  if (base.NODE_ENV === "production") {
    const keys = configuredTwoFactorKeys(own);
    if (keys.length === 0) {
      throw ConfigError.invalid(
        "TWO_FACTOR_ENCRYPTION_KEY",
        "is required in production (generated keys are for development)",
      );
    }
    // A development key sits in a readable file of a checkout or image: whoever has that file
    // could decrypt every TOTP secret. Both the configured data folder and the checkout's are
    // looked at, since a production run from a checkout may point RAMPART_DATA_DIR elsewhere.
    const developmentKeys = [...new Set([base.RAMPART_DATA_DIR, defaultDataDir])].map((dir) =>
      readDevSecret(dir, TWO_FACTOR_DEV_SECRET),
    );
    const isDevelopmentKey = (key: Buffer) =>
      developmentKeys.some((devKey) => devKey !== null && devKey.equals(key));
    if (own.TWO_FACTOR_ENCRYPTION_KEY && isDevelopmentKey(own.TWO_FACTOR_ENCRYPTION_KEY)) {
      throw ConfigError.invalid(
        "TWO_FACTOR_ENCRYPTION_KEY",
        "is the development key generated under RAMPART_DATA_DIR/keys. Set TWO_FACTOR_ENCRYPTION_KEY to a key of your own (openssl rand -base64 32)",
      );
    }
    if (own.TWO_FACTOR_ENCRYPTION_KEYS?.some(isDevelopmentKey)) {
      throw ConfigError.invalid(
        "TWO_FACTOR_ENCRYPTION_KEYS",
        "holds the development key generated under RAMPART_DATA_DIR/keys. Set TWO_FACTOR_ENCRYPTION_KEYS to keys of your own (openssl rand -base64 32)",
      );
    }
  }
  return Object.freeze({ ...base, ...own });
}

/** Reads the security subgraph's configuration from the process environment. */
export const loadConfig = (): SecurityConfig => parseSecurityConfig(process.env);

/** The security subgraph's own environment variables, beyond every subgraph's (`npm run docs`). */
export { securityShape as securityConfigShape };
