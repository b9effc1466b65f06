// What the gateway offers the repository's tools (launcher, CLI, benchmarks): its configuration,
// the supergraph files, the development issuer and the pieces the benchmarks time. The service
// itself starts from main.ts; importing this module starts nothing.
export { issueDevToken, type DevTokenClaims } from "./auth/dev-issuer";
export { createSessionTokenVerifier } from "./auth/session-token";
export {
  defaultPortOf,
  DEV_ISSUER,
  gatewayConfigShape,
  loadConfig,
  subgraphNames,
  type GatewayConfig,
  type SubgraphName,
} from "./config";
export type { GatewayContext } from "./context";
export { healthUrlOf } from "./health";
export { IdentityDataSource } from "./identity-data-source";
export { createSecurityHeaders } from "./perimeter/security-headers";
export {
  apiSchemaPath,
  composeSupergraph,
  printApiSchema,
  contractSupergraphPath,
  readCommittedSdls,
  repositoryRoot,
  subgraphSdlPath,
  supergraphPath,
} from "./supergraph";
