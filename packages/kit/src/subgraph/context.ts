// What a running subgraph hands its services and resolvers: the runtime (stores, sessions,
// security events, logger) and the per-request context. Types only.
import type { EntityManager } from "@mikro-orm/core";
import type { Identity } from "../identity";
import type { Logger } from "../logger";
import type { RefusalSink } from "../refusal-events";
import type { SecurityEventRecorder } from "../security-events";
import type { SessionStore } from "../sessions";
import type { Stores } from "../stores";
import type { SubgraphConfig } from "./config";

/** What a running subgraph shares with its services and resolvers; `Config` is its parsed config. */
export interface SubgraphRuntime<Config extends SubgraphConfig = SubgraphConfig> {
  /** The subgraph's own configuration, parsed by its `SubgraphDefinition.parseConfig`. */
  readonly config: Config;
  readonly stores: Stores;
  readonly sessions: SessionStore;
  readonly securityEvents: SecurityEventRecorder;
  /**
   * Where the refusals of the subgraph's own routes (webhooks) go: bounded per (type, source)
   * and window, so a flood of refused calls cannot flood the event store.
   */
  readonly refusals: Pick<RefusalSink, "refuse">;
  readonly logger: Logger;
}

/**
 * What every subgraph resolver receives as its context: `Config` and `Services` are those of
 * the subgraph's `SubgraphDefinition` (a subgraph names its own, e.g. `SecurityContext`).
 */
export interface SubgraphContext<
  Config extends SubgraphConfig = SubgraphConfig,
  Services = unknown,
> {
  /** The caller, as asserted by the gateway. */
  readonly identity: Identity;
  /** A request-scoped entity manager. */
  readonly em: EntityManager;
  /** Logger bound to the request id. */
  readonly log: Logger;
  /** Stores, sessions and the security-event recorder. */
  readonly runtime: SubgraphRuntime<Config>;
  /** Subgraph-specific services (see `SubgraphDefinition.services`). */
  readonly services: Services;
}
