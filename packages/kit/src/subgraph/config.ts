// The environment every subgraph reads, parsed once by zod (defaults live in the shape).
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
} from "../config";
import { ConfigError } from "../errors";

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

/** The session policy a configuration describes. */
export const sessionPolicyOf = (config: SubgraphConfig) => ({
  idleTimeoutMs: config.SESSION_IDLE_TIMEOUT_SECONDS,
  absoluteTimeoutMs: config.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
  stepUpWindowMs: config.STEP_UP_WINDOW_SECONDS,
});
