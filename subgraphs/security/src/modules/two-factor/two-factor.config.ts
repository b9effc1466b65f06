import { z } from "zod";

/** Name of the TOTP encryption key generated under `<RAMPART_DATA_DIR>/keys` in development. */
export const TWO_FACTOR_DEV_SECRET = "two-factor-encryption";

/** Two-factor settings; spread into the security subgraph's configuration shape. */
export const twoFactorConfigShape = {
  /** Key that encrypts TOTP secrets at rest. Default a generated development key. */
  TWO_FACTOR_ENCRYPTION_KEY: z
    .string()
    .transform((value) => Buffer.from(value, "base64"))
    .refine((key) => key.length === 32, "must be 32 bytes, base64-encoded")
    .optional()
    .describe(
      "Set TWO_FACTOR_ENCRYPTION_KEY to 32 random bytes in base64 (openssl rand -base64 32)",
    ),
  /**
   * The TOTP key ring, for a rotation: comma-separated keys (32 bytes, base64), the first seals
   * and every one opens; `TWO_FACTOR_ENCRYPTION_KEY`, when also set, is opened with as the
   * oldest. Default none (`TWO_FACTOR_ENCRYPTION_KEY` alone).
   */
  TWO_FACTOR_ENCRYPTION_KEYS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "")
        .map((item) => Buffer.from(item, "base64")),
    )
    .refine(
      (keys) => keys.length > 0 && keys.every((key) => key.length === 32),
      "must be one or more 32-byte keys, base64-encoded, comma-separated",
    )
    .optional()
    .describe(
      "Set TWO_FACTOR_ENCRYPTION_KEYS to comma-separated 32-byte base64 keys, the new (sealing) key first, e.g. $(openssl rand -base64 32),$TWO_FACTOR_ENCRYPTION_KEY",
    ),
  /** How old a sign-in may be to start or replace a 2FA enrollment, in minutes. Default 10. */
  TWO_FACTOR_RECENT_SIGN_IN_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(10)
    .describe(
      "Set TWO_FACTOR_RECENT_SIGN_IN_MINUTES to how old (1 to 1440 minutes) a sign-in may be to start or replace a 2FA enrollment",
    ),
  /** The name shown in authenticator apps. Default Rampart. */
  TWO_FACTOR_ISSUER: z
    .string()
    .min(1)
    .max(64)
    .default("Rampart")
    .describe("Set TWO_FACTOR_ISSUER to the name shown in authenticator apps"),
};

/** The parsed {@link twoFactorConfigShape}. */
export type TwoFactorConfig = Readonly<z.infer<z.ZodObject<typeof twoFactorConfigShape>>>;

/**
 * The configured TOTP key ring, sealing key first: `TWO_FACTOR_ENCRYPTION_KEYS`, then
 * `TWO_FACTOR_ENCRYPTION_KEY` unless already listed; empty when neither is set.
 */
export function configuredTwoFactorKeys(config: TwoFactorConfig): Buffer[] {
  const keys = [...(config.TWO_FACTOR_ENCRYPTION_KEYS ?? [])];
  const single = config.TWO_FACTOR_ENCRYPTION_KEY;
  if (single && !keys.some((key) => key.equals(single))) keys.push(single);
  return keys;
}
