import type { EntityManager, Options } from "@mikro-orm/core";
import path from "node:path";
import type { Router } from "express";
import { openDatabase, type Database, type MigrationEntry } from "../stores/database";
import type { Environment } from "../config";
import type { FederatedSchema } from "./federation";
import { loadOrCreateDevKeyPair, publicKeyFromPem } from "../keys";
import { IdentityVerificationKeys } from "../identity-keys/key-sets";
import { watchIdentityKeyRing } from "../identity-keys/watcher";
import { exitWithStartupError, Lifecycle, type Closer } from "../lifecycle";
import { createLogger, type Logger } from "../logger";
import { createMetrics, type Metrics } from "../metrics";
import { createRefusalSink } from "../refusal-events";
import { startProcessRecorder } from "../security-events";
import { SessionStore } from "../sessions";
import { createStores, type Stores } from "../stores";
import { sessionPolicyOf, type SubgraphConfig } from "./config";
import type { SubgraphRuntime } from "./context";
import { startSubgraphServer, type SubgraphServer } from "./server";

/** What a subgraph's `start` hands back: how to stop its background work, and its own routes. */
export interface StartedWork {
  /** Drains the background work (SIGTERM). */
  stop?: Closer;
  /** HTTP routes of the subgraph by mount path; each authenticates its own callers. */
  routes?: Readonly<Record<string, Router>>;
}

/**
 * Everything that makes one subgraph, independent of how it is run. `Config` is what its
 * `parseConfig` returns and `Services` what its `services` factory creates; its resolvers get
 * both, typed, in their `SubgraphContext<Config, Services>`.
 */
export interface SubgraphDefinition<
  Config extends SubgraphConfig = SubgraphConfig,
  Services = unknown,
  /** What `start` hands back: nothing, a closer, or {@link StartedWork} with routes. */
  Started extends void | Closer | StartedWork = void | Closer,
> {
  /** Name: the identity audience, the PostgreSQL schema and the PGlite folder. */
  name: string;
  /**
   * Parses the subgraph's whole configuration (the shared subgraph settings and its own) from an
   * environment; zod's defaults are the only ones. Refuses a bad value with a `ConfigError`.
   */
  parseConfig(environment: Environment): Config;
  /** MikroORM entities. */
  entities: NonNullable<Options["entities"]>;
  /** Committed migrations, oldest first. */
  migrations: readonly MigrationEntry[];
  /**
   * Builds the executable schema and its SDL. `config` sets authorization options and
   * `runtime` gives rules their stores; without them (printing the SDL) rules fail closed.
   */
  buildSchema(config?: Config, runtime?: SubgraphRuntime<Config>): Promise<FederatedSchema>;
  /** Creates subgraph-specific services, handed to resolvers as `context.services`. */
  services(runtime: SubgraphRuntime<Config>): Services;
  /**
   * Runs at every start, after migrations and before serving (e.g. bootstrap settings, job
   * workers), with the services `services` created (to hand them what it started; `runSubgraph`
   * always passes them, a test reusing a hook may not). Returns how
   * to stop what it started, alone or with the subgraph's own routes.
   */
  start?(
    runtime: SubgraphRuntime<Config>,
    em: EntityManager,
    services?: Services,
  ): Promise<Started>;
  /** Inserts demo data when the subgraph's tables are empty; must be idempotent. */
  seed?(em: EntityManager): Promise<void>;
}

/** A started subgraph: its server, database and the lifecycle that stops both. */
export interface RunningSubgraph<
  Config extends SubgraphConfig = SubgraphConfig,
  Services = unknown,
> {
  readonly server: SubgraphServer;
  readonly database: Database;
  readonly runtime: SubgraphRuntime<Config>;
  /** What the definition's `services` factory created (the resolvers' `context.services`). */
  readonly services: Services;
  readonly logger: Logger;
  /** The process's metrics, served on `GET /metrics` to `METRICS_ALLOWLIST`. */
  readonly metrics: Metrics;
  /** Stops the server, then closes the database. */
  stop(): Promise<void>;
}

/** Opens the database (migrating, seeding), builds the schema and serves it. */
export async function runSubgraph<
  Config extends SubgraphConfig,
  Services,
  Started extends void | Closer | StartedWork = void | Closer,
>(
  definition: SubgraphDefinition<Config, Services, Started>,
  config: Config,
  overrides: { schemaName?: string; pgliteDataDir?: string; stores?: Stores } = {},
): Promise<RunningSubgraph<Config, Services>> {
  const logger = createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const metrics = createMetrics({ service: definition.name });
  const lifecycle = new Lifecycle(logger);
  try {
    const publicKeyPem =
      config.GATEWAY_IDENTITY_PUBLIC_KEY ??
      loadOrCreateDevKeyPair(config.RAMPART_DATA_DIR, "identity-ed25519").publicKeyPem;
    const database = await openDatabase({
      schema: overrides.schemaName ?? definition.name,
      entities: definition.entities,
      migrations: definition.migrations,
      databaseUrl: config.DATABASE_URL,
      pgliteDataDir:
        overrides.pgliteDataDir ?? path.join(config.RAMPART_DATA_DIR, "pglite", definition.name),
    });
    lifecycle.onShutdown("database", () => database.close());
    logger.info({ engine: database.engine }, "database ready");
    if (config.SEED_DEMO_DATA && definition.seed) await definition.seed(database.orm.em.fork());

    const stores =
      overrides.stores ??
      createStores({
        redisUrl: config.REDIS_URL,
        keyPrefix: config.REDIS_KEY_PREFIX,
        sharedMemorySocket: config.RAMPART_STORE_SOCKET,
      });
    if (!overrides.stores) lifecycle.onShutdown("stores", () => stores.close());
    const securityEvents = startProcessRecorder(stores.events, {
      dataDir: config.RAMPART_DATA_DIR,
      service: definition.name,
      logger,
    });
    const refusals = createRefusalSink({
      recorder: securityEvents,
      onError: (error) => logger.error({ err: error }, "could not record a refusal"),
    });
    // Closed before the stores: the open windows' counts are recorded on the way out.
    lifecycle.onShutdown("refusals", () => refusals.close());
    const runtime: SubgraphRuntime<Config> = {
      config,
      stores,
      sessions: new SessionStore(stores, sessionPolicyOf(config)),
      securityEvents,
      refusals,
      logger,
    };
    // Rotated identity keys reach this process through the shared stores, without a restart.
    const anchorPublicKey = publicKeyFromPem(publicKeyPem);
    const identityKeys = new IdentityVerificationKeys(anchorPublicKey);
    const identityKeyRing = watchIdentityKeyRing({
      stores,
      anchorPublicKey,
      onRing: (ring) => identityKeys.update(ring),
      logger,
    });
    await identityKeyRing.ready();
    lifecycle.onShutdown("identity key ring", () => identityKeyRing.close());
    const services = definition.services(runtime);
    const started = definition.start
      ? await definition.start(runtime, database.orm.em.fork(), services)
      : undefined;
    const work: StartedWork =
      typeof started === "function" ? { stop: started } : ((started as StartedWork | void) ?? {});
    if (work.stop) lifecycle.onShutdown(`${definition.name} background work`, work.stop);

    const { schema } = await definition.buildSchema(config, runtime);
    const server = await startSubgraphServer({
      name: definition.name,
      schema,
      identityPublicKey: identityKeys,
      em: database.orm.em,
      runtime,
      services,
      logger,
      health: { database: () => database.ping() },
      metrics,
      metricsAllowlist: config.METRICS_ALLOWLIST,
      routes: work.routes,
      host: config.HOST,
      port: config.PORT,
    });
    lifecycle.onShutdown("server", () => server.close());
    return {
      server,
      database,
      runtime,
      services,
      logger,
      metrics,
      stop: () => lifecycle.shutdown(),
    };
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}

/**
 * Entry point of a subgraph process: load its configuration (`loadConfig`, its `config.ts`
 * reading `process.env` through `definition.parseConfig`), run it, drain on SIGINT/SIGTERM,
 * exit non-zero on bad config.
 */
export function main<
  Config extends SubgraphConfig,
  Services,
  Started extends void | Closer | StartedWork = void | Closer,
>(definition: SubgraphDefinition<Config, Services, Started>, loadConfig: () => Config): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    exitWithStartupError(definition.name, error);
  }
  runSubgraph(definition, config).then(
    (running) => {
      const lifecycle = new Lifecycle(running.logger);
      lifecycle.onShutdown(definition.name, () => running.stop());
      lifecycle.exitOnSignals();
    },
    (error) => exitWithStartupError(definition.name, error),
  );
}
