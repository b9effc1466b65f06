import {
  ConfigError,
  ipRangeListSetting,
  parseConfig,
  parseSubgraphConfig,
  type SubgraphConfig,
} from "@rampart/kit";
import { z } from "zod";
import { alertsConfigShape } from "./modules/alerts/alert.config";
import { monitoringConfigShape } from "./modules/monitoring/monitoring.config";
import { securityEventsConfigShape } from "./modules/security-events/security-event.config";

const securityShape = {
  ...monitoringConfigShape,
  ...securityEventsConfigShape,
  ...alertsConfigShape,
  ADMIN_IP_ALLOWLIST: ipRangeListSetting(
    "127.0.0.1/32,::1/128",
    "Set ADMIN_IP_ALLOWLIST to comma-separated CIDRs always allowed (default loopback)",
  ),
  TWO_FACTOR_ENCRYPTION_KEY: z
    .string()
    .transform((value) => Buffer.from(value, "base64"))
    .refine((key) => key.length === 32, "must be 32 bytes, base64-encoded")
    .optional()
    .describe(
      "Set TWO_FACTOR_ENCRYPTION_KEY to 32 random bytes in base64 (openssl rand -base64 32)",
    ),
  TWO_FACTOR_ISSUER: z
    .string()
    .min(1)
    .max(64)
    .default("Rampart")
    .describe("Set TWO_FACTOR_ISSUER to the name shown in authenticator apps"),
};

/** The security subgraph's configuration. */
export type SecurityConfig = SubgraphConfig & Readonly<z.infer<z.ZodObject<typeof securityShape>>>;

/** Parses the security subgraph's environment; the only place it reads `process.env`. */
export function parseSecurityConfig(
  environment: Readonly<Record<string, string | undefined>>,
): SecurityConfig {
  const base = parseSubgraphConfig(4001, environment);
  const own = parseConfig(securityShape, environment);
  if (base.NODE_ENV === "production" && !own.TWO_FACTOR_ENCRYPTION_KEY) {
    throw ConfigError.invalid(
      "TWO_FACTOR_ENCRYPTION_KEY",
      "is required in production (generated keys are for development)",
    );
  }
  return Object.freeze({ ...base, ...own });
}

/** Reads the security subgraph's configuration from the process environment. */
export const loadConfig = (): SecurityConfig => parseSecurityConfig(process.env);
