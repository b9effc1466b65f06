/** Security events: stored once from the event stream, hash-chained, queried by superadmins. */
export {
  AuditChainVerifier,
  canonicalEventJson,
  chainHash,
  GENESIS_HASH,
  type AuditChainVerdict,
  type ChainedEventFields,
  type ChainLink,
} from "./chain";
export {
  SecurityEventArchive,
  verifyAuditChain,
  type IncomingSecurityEvent,
  type SecurityEventSink,
} from "./security-event.archive";
export { verifyStoredAuditChain, type AuditDatabaseLocation } from "./security-event.audit";
export {
  readSecurityEvent,
  SECURITY_SEVERITIES,
  SECURITY_STORE_GROUP,
  SecurityEventConsumer,
  startSecurityEventConsumer,
  type SecurityEventConsumerOptions,
  type SecurityEventConsumerStats,
} from "./security-event.consumer";
export { StoredSecurityEvent } from "./security-event.entity";
export { SecurityEventResolver } from "./security-event.resolver";
export { securityEventRuleTree, type SecurityEventRuleTree } from "./security-event.rules";
export {
  decodeCursor,
  encodeCursor,
  MAX_FILTER_ITEMS,
  SecurityEventService,
} from "./security-event.service";
export {
  OrganizationReference,
  SecurityEventConnection,
  SecurityEventEdge,
  SecurityEventFilter,
  SecurityEventPageInfo,
} from "./security-event.types";
