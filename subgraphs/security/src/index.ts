// What the security subgraph offers the repository's tools (benchmarks): its security-event
// table and its TOTP primitives. The service itself starts from main.ts; importing this module
// starts nothing.
export { StoredSecurityEvent } from "./modules/security-events/security-event.entity";
export { generateTotpSecret, verifyTotp } from "./modules/two-factor/totp";
// The IP allowlist as `rampart allowlist add|remove` changes it: the same service, entity and rules.
export { IpAllowlistEntry, IpAllowlistService } from "./modules/ip-allowlist";
export { migrations } from "./migrations";
export { securityConfigShape } from "./config";
// `rampart keys rotate totp`: the configuration (one reader), the key ring and the re-seal.
export { parseSecurityConfig, type SecurityConfig } from "./config";
export {
  resealTwoFactorSecrets,
  SecretBox,
  twoFactorSecretBox,
  TwoFactorCredential,
  type TwoFactorResealReport,
} from "./modules/two-factor";
