/**
 * IP allowlists shared by the gateway and the security subgraph: strict CIDR parsing, a
 * prefix-table index for fast checks, and the snapshot format replicas exchange.
 */
export {
  IpAllowlistIndex,
  IpRangeSet,
  type IpAllowlistIndexEntry,
  type RejectedIpAllowlistEntry,
} from "./allowlist-index";
export {
  MAX_IP_TEXT_LENGTH,
  normalizeIp,
  parseIpRange,
  type IpRange,
  type IpRangeParseResult,
} from "./ip-range";
export { ipRangeListSetting } from "./setting";
export {
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  parseIpAllowlistSnapshot,
  serializeIpAllowlistSnapshot,
} from "./snapshot";
