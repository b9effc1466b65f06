/**
 * Security events as stored: the hash-chained table and its checkpoints, queried by superadmins
 * and fed live to subscriptions. They are stored by the event pipeline (`../event-pipeline`).
 */
export { SecurityEventCheckpoint } from "./security-event.checkpoint";
export { securityEventsConfigShape, type SecurityEventsConfig } from "./security-event.config";
export { SECURITY_SEVERITIES, StoredSecurityEvent } from "./security-event.entity";
export { SecurityEventResolver } from "./security-event.resolver";
export {
  announceStoredSecurityEvents,
  MAX_ANNOUNCED_ROWS,
  SecurityEventFeed,
  STORED_SECURITY_EVENTS_CHANNEL,
  type SecurityEventFeedOptions,
  type StoredSecurityEventsAnnouncement,
} from "./security-event.feed";
export {
  matchesCriteria,
  MAX_FILTER_ITEMS,
  parseSecurityEventFilter,
  whereOfCriteria,
  type SecurityEventCriteria,
} from "./security-event.filter";
export { decodeCursor, encodeCursor, SecurityEventService } from "./security-event.service";
export {
  OrganizationReference,
  SecurityEventConnection,
  SecurityEventEdge,
  SecurityEventFilter,
  SecurityEventPageInfo,
} from "./security-event.types";
export {
  createSecurityEventServices,
  type SecurityEventContext,
  type SecurityEventModuleConfig,
  type SecurityEventServices,
} from "./security-event.module";
