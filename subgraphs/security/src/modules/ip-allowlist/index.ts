/** The IP allowlist: entries in PostgreSQL, published to every gateway through the shared stores. */
export { BOOTSTRAP_CREATOR, IpAllowlistEntry } from "./ip-allowlist.entity";
export { IpAllowlistResolver } from "./ip-allowlist.resolver";
export { ipAllowlistRuleTree, type IpAllowlistRuleTree } from "./ip-allowlist.rules";
export {
  ALLOWS_EVERY_ADDRESS,
  IpAllowlistService,
  MAX_DESCRIPTION_LENGTH,
  type IpAllowlistServiceOptions,
  type NewIpAllowlistEntry,
} from "./ip-allowlist.service";
