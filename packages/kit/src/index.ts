/**
 * `@rampart/kit`: the contracts the gateway and the subgraphs share (identity assertions,
 * errors, security events and their audit chain, lockdown switch, IP allowlist snapshot,
 * platform sessions) and the process basics every service uses (configuration helpers, logger,
 * keys, lifecycle, health, metrics). The subgraph framework is `@rampart/kit/subgraph`; the
 * stores and the database are `@rampart/kit/stores`.
 */
export * from "./admin-tag";
export * from "./audit-chain";
export * from "./config";
export * from "./customer-notices";
export * from "./errors";
export * from "./event-text";
export * from "./health";
export * from "./http";
export * from "./identity";
export * from "./identity-keys";
export * from "./ip-allowlist";
export * from "./keys";
export * from "./lifecycle";
export * from "./lockdown";
export * from "./logger";
export * from "./metrics";
export * from "./refusal-events";
export * from "./secret-box";
export * from "./security-event-spool";
export * from "./security-event-types";
export * from "./security-events";
export * from "./sessions";
export * from "./subgraphs";
