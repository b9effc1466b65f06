/** Security events: stored once from the event stream, hash-chained, queried by superadmins. */
export {
  SecurityEventArchive,
  type IncomingSecurityEvent,
  type SecurityEventArchiveOptions,
  type SecurityEventSink,
  type StoredSecurityEventsListener,
} from "./security-event.archive";
export {
  readSecurityEvent,
  SECURITY_SEVERITIES,
  SECURITY_STORE_GROUP,
  SecurityEventConsumer,
  startSecurityEventConsumer,
  type SecurityEventConsumerOptions,
  type SecurityEventConsumerStats,
} from "./security-event.consumer";
export { AuditChainMonitor, type AuditChainMonitorOptions } from "./security-event.chain-monitor";
export { SecurityEventCheckpoint } from "./security-event.checkpoint";
export { securityEventsConfigShape, type SecurityEventsConfig } from "./security-event.config";
export { StoredSecurityEvent } from "./security-event.entity";
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
