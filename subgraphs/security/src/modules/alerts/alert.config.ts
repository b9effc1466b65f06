import { z } from "zod";
import { defaultAlertPolicySettings, type AlertPolicySettings } from "./alert.policy";

const perHour = (variable: string, fallback: number, counted: string) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(fallback)
    .describe(
      `Set ${variable} to a whole number: more ${counted} than this within an hour raise an alert (default ${fallback})`,
    );

/** The alert rules' settings; spread into the security subgraph's configuration shape. */
export const alertsConfigShape = {
  /** More `authentication.failed` than this within an hour raise an alert. Default 10. */
  ALERT_FAILED_LOGINS_PER_HOUR: perHour(
    "ALERT_FAILED_LOGINS_PER_HOUR",
    defaultAlertPolicySettings.failedLoginsPerHour,
    "failed logins",
  ),
  /** More `ip_allowlist.refused` / `ip.refused` than this within an hour raise an alert. Default 5. */
  ALERT_IP_VIOLATIONS_PER_HOUR: perHour(
    "ALERT_IP_VIOLATIONS_PER_HOUR",
    defaultAlertPolicySettings.ipViolationsPerHour,
    "IP violations",
  ),
};

/** The parsed {@link alertsConfigShape}. */
export type AlertsConfig = Readonly<z.infer<z.ZodObject<typeof alertsConfigShape>>>;

/** The alert policy a configuration describes. */
export const alertPolicyOf = (config: AlertsConfig): AlertPolicySettings => ({
  failedLoginsPerHour: config.ALERT_FAILED_LOGINS_PER_HOUR,
  ipViolationsPerHour: config.ALERT_IP_VIOLATIONS_PER_HOUR,
});
