/**
 * The security-event pipeline, one module with one start/stop entry
 * ({@link startSecurityEventPipeline}): the consumer reads the event stream, the archive stores
 * each event once in the hash chain, each stored batch is announced to live feeds and run
 * through the alert rules, and the chain monitor checks the chain periodically.
 */
export { startSecurityEventPipeline, type SecurityEventPipelineOptions } from "./pipeline";
export {
  SecurityEventArchive,
  type IncomingSecurityEvent,
  type SecurityEventArchiveOptions,
  type SecurityEventSink,
  type StoredSecurityEventsListener,
} from "./security-event.archive";
export {
  readSecurityEvent,
  SECURITY_STORE_GROUP,
  SecurityEventConsumer,
  startSecurityEventConsumer,
  type SecurityEventConsumerOptions,
  type SecurityEventConsumerStats,
} from "./security-event.consumer";
export { AuditChainMonitor, type AuditChainMonitorOptions } from "./security-event.chain-monitor";
