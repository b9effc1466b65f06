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

const optionalUrl = (variable: string, schemes: readonly string[], what: string) =>
  z
    .string()
    .refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
        } catch {
          return false;
        }
      },
      `must be a ${schemes.join(" or ")} URL`,
    )
    .optional()
    .describe(`Set ${variable} to a ${schemes.join(" or ")} URL: ${what}`);

const optionalText = (variable: string, what: string) =>
  z.string().min(1).optional().describe(`Set ${variable}: ${what}`);

const addressList = (variable: string, what: string) =>
  z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .describe(`Set ${variable} to comma-separated ${what} (default none)`);

/** The delivery engine's, the channels' and the alert dispatch's settings. */
export const deliveryConfigShape = {
  /** Attempts per delivery before it is dead. Default 5. */
  DELIVERY_MAX_ATTEMPTS: whole(
    "DELIVERY_MAX_ATTEMPTS",
    5,
    1,
    50,
    "attempts before a delivery is dead",
  ),
  /** First retry delay in seconds; doubles per attempt, with jitter. Default 5. */
  DELIVERY_RETRY_DELAY_SECONDS: whole(
    "DELIVERY_RETRY_DELAY_SECONDS",
    5,
    1,
    3600,
    "first retry delay in seconds, doubled per attempt with jitter",
  ),
  /** Longest retry delay in seconds. Default 600. */
  DELIVERY_RETRY_DELAY_MAX_SECONDS: whole(
    "DELIVERY_RETRY_DELAY_MAX_SECONDS",
    600,
    1,
    86_400,
    "longest retry delay in seconds",
  ),
  /**
   * Seconds a job may run before the engine counts its worker dead and retries it elsewhere
   * (a worker killed mid-job is noticed this late). Default 60.
   */
  DELIVERY_JOB_TIMEOUT_SECONDS: whole(
    "DELIVERY_JOB_TIMEOUT_SECONDS",
    60,
    1,
    3600,
    "seconds a delivery job may run before it is retried",
  ),
  /** How long one provider call may take, in ms; below the job timeout. Default 10 000. */
  DELIVERY_PROVIDER_TIMEOUT_MS: whole(
    "DELIVERY_PROVIDER_TIMEOUT_MS",
    10_000,
    100,
    600_000,
    "ms one provider call may take",
  ),
  /** How often an idle worker looks for jobs, in ms. Default 2000. */
  DELIVERY_POLL_INTERVAL_MS: whole(
    "DELIVERY_POLL_INTERVAL_MS",
    2000,
    500,
    60_000,
    "ms between job polls of an idle worker",
  ),
  /** Deliveries sent at once by this process. Default 4. */
  DELIVERY_CONCURRENCY: whole("DELIVERY_CONCURRENCY", 4, 1, 64, "deliveries sent at once"),
  /**
   * CIDRs that webhook and Slack destinations may reach although they are loopback, private,
   * link-local or metadata addresses. Default none.
   */
  DELIVERY_ADDRESS_ALLOWLIST: ipRangeListSetting(
    "",
    "Set DELIVERY_ADDRESS_ALLOWLIST to comma-separated CIDRs that webhook and Slack destinations may reach although private or loopback (default none)",
  ),
  /** SMTP server: `smtps://host:465` or `smtp://host:587` (STARTTLS). */
  SMTP_URL: optionalUrl("SMTP_URL", ["smtp", "smtps"], "the mail server alerts are sent through"),
  /** SMTP user name. */
  SMTP_USER: optionalText("SMTP_USER", "the SMTP user name"),
  /** SMTP password (secret: never logged). */
  SMTP_PASSWORD: optionalText("SMTP_PASSWORD", "the SMTP password"),
  /** Sender address of emails. */
  SMTP_FROM: z
    .string()
    .email()
    .default("rampart@localhost")
    .describe("Set SMTP_FROM to the sender address of emails (default rampart@localhost)"),
  /** Whether plain `smtp://` must upgrade with STARTTLS. Default true; production refuses false. */
  SMTP_REQUIRE_TLS: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((value) => value === "true" || value === "1")
    .describe("Set SMTP_REQUIRE_TLS to true or false (default true; production refuses false)"),
  /** Twilio's API base. Default https://api.twilio.com. */
  TWILIO_API_URL: z
    .string()
    .url()
    .default("https://api.twilio.com")
    .describe("Set TWILIO_API_URL to Twilio's API base URL (default https://api.twilio.com)"),
  /** Twilio account SID. */
  TWILIO_ACCOUNT_SID: optionalText("TWILIO_ACCOUNT_SID", "the Twilio account SID (AC...)"),
  /** Twilio auth token (secret: never logged). */
  TWILIO_AUTH_TOKEN: optionalText("TWILIO_AUTH_TOKEN", "the Twilio auth token"),
  /** Sender number of SMS. */
  TWILIO_FROM: optionalText("TWILIO_FROM", "the Twilio sender number (+1555...)"),
  /** Lowest alert severity dispatched to the alert channels. Default critical. */
  ALERT_DISPATCH_MIN_SEVERITY: z
    .enum(["info", "low", "medium", "high", "critical"])
    .default("critical")
    .describe(
      "Set ALERT_DISPATCH_MIN_SEVERITY to info, low, medium, high or critical: the lowest alert severity sent to the alert channels (default critical)",
    ),
  /** Email addresses that receive security alerts. */
  ALERT_EMAIL_TO: addressList("ALERT_EMAIL_TO", "email addresses that receive security alerts"),
  /** Phone numbers that receive security alerts by SMS. */
  ALERT_SMS_TO: addressList("ALERT_SMS_TO", "phone numbers (E.164) that receive security alerts"),
  /** Slack incoming webhook URL for security alerts (secret: never logged). */
  ALERT_SLACK_WEBHOOK_URL: optionalUrl(
    "ALERT_SLACK_WEBHOOK_URL",
    ["https", "http"],
    "the Slack incoming webhook that receives security alerts",
  ),
  /** Webhook URL for security alerts, signed per Standard Webhooks. */
  ALERT_WEBHOOK_URL: optionalUrl(
    "ALERT_WEBHOOK_URL",
    ["https", "http"],
    "the endpoint that receives signed security alert webhooks",
  ),
  /** Standard Webhooks signing secret, `whsec_<base64>` (secret: never logged). */
  ALERT_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, "must be whsec_ followed by base64")
    .optional()
    .describe(
      "Set ALERT_WEBHOOK_SECRET to a Standard Webhooks secret: whsec_ then base64 of 24+ random bytes",
    ),
};

/** The parsed {@link deliveryConfigShape}. */
export type DeliveryConfig = Readonly<z.infer<z.ZodObject<typeof deliveryConfigShape>>>;

/** Problems production refuses in a delivery configuration, as `[variable, message]`. */
export function deliveryProductionProblems(config: DeliveryConfig): [string, string][] {
  const problems: [string, string][] = [];
  if (!config.SMTP_REQUIRE_TLS) {
    problems.push(["SMTP_REQUIRE_TLS", "must be true in production (mail would travel in clear)"]);
  }
  if (new URL(config.TWILIO_API_URL).protocol !== "https:") {
    problems.push(["TWILIO_API_URL", "must be https in production"]);
  }
  for (const variable of ["ALERT_SLACK_WEBHOOK_URL", "ALERT_WEBHOOK_URL"] as const) {
    const value = config[variable];
    if (value && new URL(value).protocol !== "https:") {
      problems.push([variable, "must be https in production"]);
    }
  }
  return problems;
}

/** Problems in any mode: a channel configured without what it needs. */
export function deliveryConsistencyProblems(config: DeliveryConfig): [string, string][] {
  const problems: [string, string][] = [];
  if (config.ALERT_EMAIL_TO.length > 0 && !config.SMTP_URL) {
    problems.push(["SMTP_URL", "is required when ALERT_EMAIL_TO is set"]);
  }
  if (
    config.ALERT_SMS_TO.length > 0 &&
    !(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM)
  ) {
    problems.push([
      "TWILIO_ACCOUNT_SID",
      "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are required when ALERT_SMS_TO is set",
    ]);
  }
  if (config.ALERT_WEBHOOK_URL && !config.ALERT_WEBHOOK_SECRET) {
    problems.push(["ALERT_WEBHOOK_SECRET", "is required when ALERT_WEBHOOK_URL is set"]);
  }
  if ((config.SMTP_USER === undefined) !== (config.SMTP_PASSWORD === undefined)) {
    problems.push(["SMTP_PASSWORD", "SMTP_USER and SMTP_PASSWORD go together"]);
  }
  return problems;
}
