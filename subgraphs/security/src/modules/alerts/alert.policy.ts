import { AUDIT_CHAIN_FAILED, type SecuritySeverity } from "@rampart/kit";
import type { StoredSecurityEvent } from "../security-events/security-event.entity";

/** Prefix of the events alerts record; no rule may watch them (an alert would feed itself). */
export const ALERT_EVENT_PREFIX = "alert.";

/** One hour, the window of the threshold rules. */
export const HOUR_MS = 3_600_000;

interface AlertRuleBase {
  /** Stable name, such as `failed-logins`; stored on the alert. */
  readonly id: string;
  /** Title of the alerts it raises. */
  readonly title: string;
  /** Severity of the alerts it raises (and of their `alert.*` events). */
  readonly severity: SecuritySeverity;
  /** Event types it watches. */
  readonly types: readonly string[];
}

/**
 * Fires when more than `threshold` watched events occurred within `windowMs` (by their
 * `occurredAt`, counted in the stored table). One alert for the platform (dedup key = id).
 */
export interface ThresholdAlertRule extends AlertRuleBase {
  readonly kind: "threshold";
  /** Fires when the count in the window is above this. */
  readonly threshold: number;
  /** The trailing window, in ms. */
  readonly windowMs: number;
  /** What is counted, plural, for the summary ("failed logins"). */
  readonly counted: string;
}

/** Fires on every watched event; alerts are grouped by `dedupKey(event)`. */
export interface EveryEventAlertRule extends AlertRuleBase {
  readonly kind: "every";
  /** What triggers are grouped by while the alert is unresolved. */
  dedupKey(event: StoredSecurityEvent): string;
}

/** A rule evaluated on every stored security event. */
export type AlertRule = ThresholdAlertRule | EveryEventAlertRule;

/** The configurable part of the default rules. */
export interface AlertPolicySettings {
  /** `ALERT_FAILED_LOGINS_PER_HOUR`: more than this many `authentication.failed` in an hour. */
  readonly failedLoginsPerHour: number;
  /** `ALERT_IP_VIOLATIONS_PER_HOUR`: more than this many IP refusals in an hour. */
  readonly ipViolationsPerHour: number;
}

/** Defaults of {@link AlertPolicySettings}. */
export const defaultAlertPolicySettings: AlertPolicySettings = Object.freeze({
  failedLoginsPerHour: 10,
  ipViolationsPerHour: 5,
});

/**
 * The default rules:
 * - `failed-logins` (high): more than N `authentication.failed` in the trailing hour.
 *   `two_factor.failed` is left out on purpose: second-factor failures are counted per user
 *   and per IP by the attempt guard, whose lockouts raise `lockout` below; counting them here
 *   too would raise two alerts for one attack.
 * - `ip-violations` (high): more than N `ip_allowlist.refused` or `ip.refused` in the hour.
 * - `lockout` (high): any `two_factor.lockout`, one alert per locked-out user (or IP).
 * - `lockdown-change` (critical): any `lockdown.activated` or `lockdown.deactivated`.
 * - `audit-chain-failure` (critical): any `audit.chain_failed` (from the periodic chain check).
 */
export function defaultAlertRules(
  settings: AlertPolicySettings = defaultAlertPolicySettings,
): AlertRule[] {
  return [
    {
      kind: "threshold",
      id: "failed-logins",
      title: `More than ${settings.failedLoginsPerHour} failed logins in an hour`,
      severity: "high",
      types: ["authentication.failed"],
      threshold: settings.failedLoginsPerHour,
      windowMs: HOUR_MS,
      counted: "failed logins",
    },
    {
      kind: "threshold",
      id: "ip-violations",
      title: `More than ${settings.ipViolationsPerHour} IP violations in an hour`,
      severity: "high",
      types: ["ip_allowlist.refused", "ip.refused"],
      threshold: settings.ipViolationsPerHour,
      windowMs: HOUR_MS,
      counted: "IP violations",
    },
    {
      kind: "every",
      id: "lockout",
      title: "Second-factor lockout",
      severity: "high",
      types: ["two_factor.lockout"],
      dedupKey: (event) => `lockout:${event.actorId ?? event.ip ?? "unknown"}`,
    },
    {
      kind: "every",
      id: "lockdown-change",
      title: "Emergency lockdown switched",
      severity: "critical",
      types: ["lockdown.activated", "lockdown.deactivated"],
      dedupKey: () => "lockdown-change",
    },
    {
      kind: "every",
      id: "audit-chain-failure",
      title: "Audit chain verification failed",
      severity: "critical",
      types: [AUDIT_CHAIN_FAILED],
      dedupKey: () => "audit-chain-failure",
    },
  ];
}

/** Refuses rules that watch `alert.*` events or have no type; returns them. */
export function checkAlertRules(rules: readonly AlertRule[]): readonly AlertRule[] {
  for (const rule of rules) {
    if (rule.types.length === 0) throw new Error(`alert rule ${rule.id} watches no event type`);
    const looped = rule.types.find((type) => type.startsWith(ALERT_EVENT_PREFIX));
    if (looped) throw new Error(`alert rule ${rule.id} may not watch ${looped} (alerts record it)`);
  }
  return rules;
}
