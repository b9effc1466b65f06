import { ipRangeListSetting } from "@rampart/kit";
import { z } from "zod";

const whole = (variable: string, fallback: number, min: number, max: number, what: string) =>
  z.coerce
    .number()
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(
      `Set ${variable} to a whole number from ${min} to ${max}: ${what} (default ${fallback})`,
    );

/** The carrier's, its webhook's and the fulfillment task engine's settings. */
export const fulfillmentConfigShape = {
  /** Base URL of the shipping carrier's API (`POST <url>/shipments`); no carrier when unset. */
  FULFILLMENT_CARRIER_URL: z
    .string()
    .refine((value) => {
      try {
        return ["http:", "https:"].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, "must be an http or https URL")
    .optional()
    .describe(
      "Set FULFILLMENT_CARRIER_URL to the shipping carrier's API base URL (https in production)",
    ),
  /** The carrier's API key, sent as a bearer token (secret: never logged). */
  FULFILLMENT_CARRIER_API_KEY: z
    .string()
    .min(16)
    .optional()
    .describe("Set FULFILLMENT_CARRIER_API_KEY to the carrier's API key (16 characters or more)"),
  /** Name shown as a carrier shipment's `carrier`. Default `carrier`. */
  FULFILLMENT_CARRIER_NAME: z
    .string()
    .min(1)
    .max(64)
    .default("carrier")
    .describe("Set FULFILLMENT_CARRIER_NAME to the carrier's display name (default carrier)"),
  /** Standard Webhooks secret the carrier signs status updates with, `whsec_<base64>`. */
  FULFILLMENT_CARRIER_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, "must be whsec_ followed by base64")
    .optional()
    .describe(
      "Set FULFILLMENT_CARRIER_WEBHOOK_SECRET to the Standard Webhooks secret the carrier signs status updates with: whsec_ then base64 of 24+ random bytes",
    ),
  /** CIDRs the carrier's webhook calls may come from (the socket's peer). Default any. */
  FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST: ipRangeListSetting(
    "",
    "Set FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST to comma-separated CIDRs the carrier's webhook calls come from (default any; production requires it)",
  ),
  /** Attempts per task step before it is dead. Default 5. */
  FULFILLMENT_MAX_ATTEMPTS: whole(
    "FULFILLMENT_MAX_ATTEMPTS",
    5,
    1,
    50,
    "attempts of a fulfillment task step before it is dead",
  ),
  /** First retry delay in seconds; doubled per attempt, with jitter. Default 5. */
  FULFILLMENT_RETRY_DELAY_SECONDS: whole(
    "FULFILLMENT_RETRY_DELAY_SECONDS",
    5,
    1,
    3600,
    "first retry delay of a task step in seconds, doubled per attempt with jitter",
  ),
  /** Longest retry delay in seconds. Default 600. */
  FULFILLMENT_RETRY_DELAY_MAX_SECONDS: whole(
    "FULFILLMENT_RETRY_DELAY_MAX_SECONDS",
    600,
    1,
    86_400,
    "longest retry delay of a task step in seconds",
  ),
  /** Seconds a task step may run before its worker counts as dead and it is retried. Default 60. */
  FULFILLMENT_JOB_TIMEOUT_SECONDS: whole(
    "FULFILLMENT_JOB_TIMEOUT_SECONDS",
    60,
    1,
    3600,
    "seconds a task step may run before it is retried",
  ),
  /** How long one carrier call may take, in ms; below the job timeout. Default 10 000. */
  FULFILLMENT_PROVIDER_TIMEOUT_MS: whole(
    "FULFILLMENT_PROVIDER_TIMEOUT_MS",
    10_000,
    100,
    600_000,
    "ms one carrier call may take",
  ),
  /** How often an idle worker looks for task steps, in ms. Default 2000. */
  FULFILLMENT_POLL_INTERVAL_MS: whole(
    "FULFILLMENT_POLL_INTERVAL_MS",
    2000,
    500,
    60_000,
    "ms between task polls of an idle worker",
  ),
  /** Task steps worked at once by this process. Default 4. */
  FULFILLMENT_CONCURRENCY: whole(
    "FULFILLMENT_CONCURRENCY",
    4,
    1,
    64,
    "fulfillment task steps worked at once",
  ),
};

/** The parsed {@link fulfillmentConfigShape}. */
export type FulfillmentTaskConfig = Readonly<z.infer<z.ZodObject<typeof fulfillmentConfigShape>>>;

/** Problems in any mode: a carrier configured without what it needs, as `[variable, message]`. */
export function fulfillmentConsistencyProblems(config: FulfillmentTaskConfig): [string, string][] {
  const problems: [string, string][] = [];
  if (config.FULFILLMENT_CARRIER_URL && !config.FULFILLMENT_CARRIER_API_KEY) {
    problems.push([
      "FULFILLMENT_CARRIER_API_KEY",
      "is required when FULFILLMENT_CARRIER_URL is set",
    ]);
  }
  return problems;
}

/** Problems production refuses, as `[variable, message]`. */
export function fulfillmentProductionProblems(config: FulfillmentTaskConfig): [string, string][] {
  const problems: [string, string][] = [];
  const url = config.FULFILLMENT_CARRIER_URL;
  if (url && new URL(url).protocol !== "https:") {
    problems.push(["FULFILLMENT_CARRIER_URL", "must be https in production"]);
  }
  if (url && !config.FULFILLMENT_CARRIER_WEBHOOK_SECRET) {
    problems.push([
      "FULFILLMENT_CARRIER_WEBHOOK_SECRET",
      "is required in production when FULFILLMENT_CARRIER_URL is set (status updates must be signed)",
    ]);
  }
  if (
    config.FULFILLMENT_CARRIER_WEBHOOK_SECRET &&
    config.FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST.length === 0
  ) {
    problems.push([
      "FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST",
      "must list the carrier's webhook source CIDRs in production",
    ]);
  }
  return problems;
}
