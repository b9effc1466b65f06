/** Security alerts: threshold and event rules on stored security events, with a life cycle. */
export { alertPolicyOf, alertsConfigShape, type AlertsConfig } from "./alert.config";
export { ALERT_RULES_CHECKPOINT, AlertEngine, type AlertEngineOptions } from "./alert.engine";
export { AlertStatus, SecurityAlert } from "./alert.entity";
export {
  AlertNotifier,
  NO_ATTRIBUTION,
  SECURITY_ALERTS_CHANNEL,
  subscribeToAlerts,
  type AlertAttribution,
  type AlertChange,
} from "./alert.feed";
export {
  ALERT_EVENT_PREFIX,
  checkAlertRules,
  defaultAlertPolicySettings,
  defaultAlertRules,
  HOUR_MS,
  type AlertPolicySettings,
  type AlertRule,
  type EveryEventAlertRule,
  type ThresholdAlertRule,
} from "./alert.policy";
export { AlertResolver } from "./alert.resolver";
export { AlertService, MAX_LISTED_ALERTS, MAX_NOTE_LENGTH } from "./alert.service";
