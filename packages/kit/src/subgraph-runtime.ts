import type { EntityManager, Options } from "@mikro-orm/core";
import path from "node:path";
import { z } from "zod";
import {
  accessProductionProblems,
  accessShape,
  databaseUrlHint,
  env,
  identityKeyHint,
  isVariableSet,
  parseConfig,
  type ConfigProblem,
  type Environment,
} from "./config";
import { ConfigError } from "./errors";
import { openDatabase, type Database, type MigrationEntry } from "./database";
import type { FederatedSchema } from "./federation";
import { loadOrCreateDevKeyPair, publicKeyFromPem } from "./keys";
import { Lifecycle, type Closer } from "./lifecycle";
import { createLogger, type Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { startProcessRecorder, type SecurityEventRecorder } from "./security-events";
import { SessionStore } from "./sessions";
import { createStores, type Stores } from "./stores";
import { startSubgraphServer, type SubgraphServer } from "./subgraph-server";

/** Everything that makes one subgraph, independent of how it is run. */
export interface SubgraphDefinition {
  /** Name: the identity audience, the PostgreSQL schema and the PGlite folder. */
  name: string;
  /** MikroORM entities. */
  entities: NonNullable<Options["entities"]>;
  /** Committed migrations, oldest first. */
  migrations: readonly MigrationEntry[];
  /**
   * Builds the executable schema and its SDL. `config` sets authorization options and
   * `runtime` gives rules their stores; without them (printing the SDL) rules fail closed.
   */
  buildSchema(config?: SubgraphConfig, runtime?: SubgraphRuntime): Promise<FederatedSchema>;
  /** Creates subgraph-specific services, handed to resolvers as `context.services`. */
  services?(runtime: SubgraphRuntime): unknown;
  /** Runs at every start, after migrations and before serving (e.g. bootstrap settings). */
  start?(runtime: SubgraphRuntime, em: EntityManager): Promise<void | Closer>;
  /** Inserts demo data when the subgraph's tables are empty; must be idempotent. */
  seed?(em: EntityManager): Promise<void>;
}

/** The environment every subgraph reads, with its default port. */
export function subgraphConfigShape(defaultPort: number) {
  return {
    NODE_ENV: env.nodeEnv(),
    LOG_LEVEL: env.logLevel(),
    HOST: env.host(),
    PORT: env.port(defaultPort),
    DATABASE_URL: env.url(["postgres", "postgresql"], databaseUrlHint),
    RAMPART_DATA_DIR: env.dataDir(),
    GATEWAY_IDENTITY_PUBLIC_KEY: env.pem(
      "PUBLIC",
      `Set GATEWAY_IDENTITY_PUBLIC_KEY: ${identityKeyHint}`,
    ),
    SEED_DEMO_DATA: env.flag(
      true,
      "Set SEED_DEMO_DATA to true or false (default true; in production false, and true is refused)",
    ),
    ...accessShape,
  };
}

/** A subgraph's parsed configuration. */
export type SubgraphConfig = Readonly<z.infer<z.ZodObject<ReturnType<typeof subgraphConfigShape>>>>;

/**
 * Parses a subgraph's environment; production refuses the embedded conveniences and the
 * development defaults, and seeds no demo data unless told to (which it then refuses).
 */
export function parseSubgraphConfig(defaultPort: number, environment: Environment): SubgraphConfig {
  const config = parseConfig(subgraphConfigShape(defaultPort), environment);
  if (config.NODE_ENV === "production") {
    const problems: ConfigProblem[] = accessProductionProblems(config, environment);
    // Demo organizations, users and allowlist entries are well known: never in production.
    if (config.SEED_DEMO_DATA && isVariableSet(environment, "SEED_DEMO_DATA")) {
      problems.push({
        variable: "SEED_DEMO_DATA",
        message:
          "demo data is refused in production. Set SEED_DEMO_DATA to false, or leave it unset",
      });
    }
    if (!config.DATABASE_URL) {
      problems.push({
        variable: "DATABASE_URL",
        message: "is required in production (embedded PGlite is for development)",
      });
    }
    if (!config.REDIS_URL) {
      problems.push({
        variable: "REDIS_URL",
        message: "is required in production (in-memory stores are for development)",
      });
    }
    if (!config.GATEWAY_IDENTITY_PUBLIC_KEY) {
      problems.push({
        variable: "GATEWAY_IDENTITY_PUBLIC_KEY",
        message: "is required in production (generated keys are for development)",
      });
    }
    if (problems.length > 0) throw new ConfigError(problems);
    if (config.SEED_DEMO_DATA) return Object.freeze({ ...config, SEED_DEMO_DATA: false });
  }
  return config;
}

/** What a running subgraph shares with its services and resolvers. */
export interface SubgraphRuntime {
  readonly config: SubgraphConfig;
  readonly stores: Stores;
  readonly sessions: SessionStore;
  readonly securityEvents: SecurityEventRecorder;
  readonly logger: Logger;
}

/** The session policy a configuration describes. */
export const sessionPolicyOf = (config: SubgraphConfig) => ({
  idleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS,
  absoluteTimeoutMs: config.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
  stepUpWindowMs: config.STEP_UP_WINDOW_SECONDS,
});

/** A started subgraph: its server, database and the lifecycle that stops both. */
export interface RunningSubgraph {
  readonly server: SubgraphServer;
  readonly database: Database;
  readonly runtime: SubgraphRuntime;
  readonly logger: Logger;
  /** The process's metrics, served on `GET /metrics` to `METRICS_ALLOWLIST`. */
  readonly metrics: Metrics;
  /** Stops the server, then closes the database. */
  stop(): Promise<void>;
}

/** Opens the database (migrating, seeding), builds the schema and serves it. */
export async function runSubgraph(
  definition: SubgraphDefinition,
  config: SubgraphConfig,
  overrides: { schemaName?: string; pgliteDataDir?: string; stores?: Stores } = {},
): Promise<RunningSubgraph> {
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
    const runtime: SubgraphRuntime = {
      config,
      stores,
      sessions: new SessionStore(stores, sessionPolicyOf(config)),
      securityEvents: startProcessRecorder(stores.events, {
        dataDir: config.RAMPART_DATA_DIR,
        service: definition.name,
        logger,
      }),
      logger,
    };
    const services = definition.services?.(runtime);
    const stopStarted = definition.start
      ? await definition.start(runtime, database.orm.em.fork())
      : undefined;
    if (stopStarted) lifecycle.onShutdown(`${definition.name} background work`, stopStarted);

    const { schema } = await definition.buildSchema(config, runtime);
    const server = await startSubgraphServer({
      name: definition.name,
      schema,
      identityPublicKey: publicKeyFromPem(publicKeyPem),
      em: database.orm.em,
      runtime,
      services,
      logger,
      health: { database: () => database.ping() },
      metrics,
      metricsAllowlist: config.METRICS_ALLOWLIST,
      host: config.HOST,
      port: config.PORT,
    });
    lifecycle.onShutdown("server", () => server.close());
    return { server, database, runtime, logger, metrics, stop: () => lifecycle.shutdown() };
  } catch (error) {
    await lifecycle.shutdown();
    throw error;
  }
}

/** Entry point of a subgraph process: run it, drain on SIGINT/SIGTERM, exit non-zero on bad config. */
export function main(definition: SubgraphDefinition, loadConfig: () => SubgraphConfig): void {
  let config: SubgraphConfig;
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

/** Prints why start-up failed (a config error's hints, or the error) and exits 1. */
export function exitWithStartupError(service: string, error: unknown): never {
  const message =
    error instanceof ConfigError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`${service}: cannot start.\n${message}\n`);
  process.exit(1);
}
