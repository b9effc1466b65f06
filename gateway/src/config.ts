import path from "node:path";
import {
  accessShape,
  ConfigError,
  env,
  identityKeyHint,
  parseConfig,
  type Environment,
  type SessionPolicy,
} from "@rampart/kit";
import { z } from "zod";

/** Names of the subgraphs the gateway routes to, as written in the supergraph. */
export const subgraphNames = ["security", "commerce", "notifications", "fulfillment"] as const;
/** One of {@link subgraphNames}. */
export type SubgraphName = (typeof subgraphNames)[number];

const defaultSubgraphPorts: Record<SubgraphName, number> = {
  security: 4001,
  commerce: 4002,
  notifications: 4003,
  fulfillment: 4004,
};

/** The committed supergraph, relative to this package. */
export const defaultSupergraphPath = path.resolve(
  __dirname,
  "..",
  "..",
  "schema",
  "supergraph.graphql",
);

/** Issuer (`iss`) of tokens minted by the local development issuer. */
export const DEV_ISSUER = "https://dev-issuer.rampart.localhost";

const subgraphUrl = (name: SubgraphName) =>
  env
    .url(
      ["http", "https"],
      `Set ${name.toUpperCase()}_SUBGRAPH_URL to the subgraph's http(s)://host:port/graphql`,
    )
    .default(`http://127.0.0.1:${defaultSubgraphPorts[name]}/graphql`);

const list = (hint: string) =>
  z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .optional()
    .describe(hint);

const shape = {
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  HOST: env.host(),
  PORT: env.port(4000),
  ...accessShape,
  RAMPART_DATA_DIR: env.dataDir(),
  SUPERGRAPH_PATH: z
    .string()
    .default(defaultSupergraphPath)
    .describe("Set SUPERGRAPH_PATH to the composed supergraph file (npm run compose writes it)"),
  SECURITY_SUBGRAPH_URL: subgraphUrl("security"),
  COMMERCE_SUBGRAPH_URL: subgraphUrl("commerce"),
  NOTIFICATIONS_SUBGRAPH_URL: subgraphUrl("notifications"),
  FULFILLMENT_SUBGRAPH_URL: subgraphUrl("fulfillment"),
  GATEWAY_IDENTITY_PRIVATE_KEY: env.pem(
    "PRIVATE",
    `Set GATEWAY_IDENTITY_PRIVATE_KEY: ${identityKeyHint}`,
  ),
  CLERK_JWT_KEY: env.pem(
    "PUBLIC",
    "Set CLERK_JWT_KEY to the PEM public key from Clerk's dashboard (API keys > JWT public key), or leave Clerk unset in development to use the local issuer",
  ),
  CLERK_SECRET_KEY: z
    .string()
    .regex(/^sk_(test|live)_[A-Za-z0-9]+$/, "must look like sk_test_... or sk_live_...")
    .optional()
    .describe("Set CLERK_SECRET_KEY to your instance's secret key to verify tokens through JWKS"),
  CLERK_ISSUER: env.url(
    ["https", "http"],
    "Set CLERK_ISSUER to your Clerk instance's Frontend API URL, e.g. https://clerk.example.com",
  ),
  CLERK_AUTHORIZED_PARTIES: list(
    "Set CLERK_AUTHORIZED_PARTIES to the comma-separated origins your frontends run on, e.g. https://shop.example.com",
  ),
};

/** How session tokens are verified. */
export type TokenVerification =
  | { kind: "jwt-key"; publicKeyPem: string }
  | { kind: "jwks"; secretKey: string }
  | { kind: "dev-issuer" };

/** The gateway's validated configuration. */
export interface GatewayConfig {
  readonly nodeEnv: "development" | "test" | "production";
  readonly logLevel: string;
  readonly host: string;
  readonly port: number;
  /** Redis URL; in-memory stores when unset (development only). */
  readonly redisUrl: string | undefined;
  /** Namespace of every Redis key, stream and channel. */
  readonly redisKeyPrefix: string;
  /** The launcher's shared in-memory stores, when running under `npm start` without Redis. */
  readonly sharedMemorySocket: string | undefined;
  /** Idle and absolute session timeouts, step-up window. */
  readonly sessionPolicy: SessionPolicy;
  /** Clerk organization whose admins are platform superadmins. */
  readonly superAdminOrganizationId: string;
  /** Whether admin-only operations need a second factor. */
  readonly adminRequiresSecondFactor: boolean;
  readonly dataDir: string;
  readonly supergraphPath: string;
  /** Subgraph endpoint per subgraph name. */
  readonly subgraphUrls: Readonly<Record<SubgraphName, string>>;
  /** Ed25519 signing key for identity assertions; generated in development when unset. */
  readonly identityPrivateKeyPem: string | undefined;
  readonly tokenVerification: TokenVerification;
  /** Expected `iss` of session tokens. */
  readonly issuer: string;
  /** Accepted `azp` values; a token without `azp` is refused. */
  readonly authorizedParties: readonly string[];
}

/** Reads and validates the gateway's environment. The only place it reads `process.env`. */
export function loadConfig(environment: Environment = process.env): GatewayConfig {
  const raw = parseConfig(shape, environment);
  const clerkConfigured = Boolean(raw.CLERK_JWT_KEY || raw.CLERK_SECRET_KEY);
  const problems: { variable: string; message: string }[] = [];
  const production = raw.NODE_ENV === "production";

  if (clerkConfigured && !raw.CLERK_ISSUER) {
    problems.push({
      variable: "CLERK_ISSUER",
      message: "is required with Clerk keys. " + shape.CLERK_ISSUER.description,
    });
  }
  if (clerkConfigured && !raw.CLERK_AUTHORIZED_PARTIES?.length) {
    problems.push({
      variable: "CLERK_AUTHORIZED_PARTIES",
      message: "is required with Clerk keys. " + shape.CLERK_AUTHORIZED_PARTIES.description,
    });
  }
  if (production) {
    if (!clerkConfigured) {
      problems.push({
        variable: "CLERK_JWT_KEY",
        message:
          "is required in production: the local development token issuer is refused. Set CLERK_JWT_KEY or CLERK_SECRET_KEY",
      });
    }
    if (!raw.REDIS_URL) {
      problems.push({
        variable: "REDIS_URL",
        message: "is required in production: in-memory stores are refused",
      });
    }
    if (!raw.GATEWAY_IDENTITY_PRIVATE_KEY) {
      problems.push({
        variable: "GATEWAY_IDENTITY_PRIVATE_KEY",
        message: "is required in production: generated development keys are refused",
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const tokenVerification: TokenVerification = raw.CLERK_JWT_KEY
    ? { kind: "jwt-key", publicKeyPem: raw.CLERK_JWT_KEY }
    : raw.CLERK_SECRET_KEY
      ? { kind: "jwks", secretKey: raw.CLERK_SECRET_KEY }
      : { kind: "dev-issuer" };
  return Object.freeze({
    nodeEnv: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    host: raw.HOST,
    port: raw.PORT,
    redisUrl: raw.REDIS_URL,
    redisKeyPrefix: raw.REDIS_KEY_PREFIX,
    sharedMemorySocket: raw.RAMPART_STORE_SOCKET,
    sessionPolicy: Object.freeze({
      idleTimeoutMs: raw.SESSION_IDLE_TIMEOUT_SECONDS,
      absoluteTimeoutMs: raw.SESSION_ABSOLUTE_TIMEOUT_SECONDS,
      stepUpWindowMs: raw.STEP_UP_WINDOW_SECONDS,
    }),
    superAdminOrganizationId: raw.CLERK_SUPERADMIN_ORG_ID,
    adminRequiresSecondFactor: raw.ADMIN_REQUIRE_2FA,
    dataDir: raw.RAMPART_DATA_DIR,
    supergraphPath: raw.SUPERGRAPH_PATH,
    subgraphUrls: Object.freeze({
      security: raw.SECURITY_SUBGRAPH_URL,
      commerce: raw.COMMERCE_SUBGRAPH_URL,
      notifications: raw.NOTIFICATIONS_SUBGRAPH_URL,
      fulfillment: raw.FULFILLMENT_SUBGRAPH_URL,
    }),
    identityPrivateKeyPem: raw.GATEWAY_IDENTITY_PRIVATE_KEY,
    tokenVerification,
    issuer: raw.CLERK_ISSUER ?? DEV_ISSUER,
    authorizedParties: Object.freeze(
      raw.CLERK_AUTHORIZED_PARTIES ?? [
        `http://localhost:${raw.PORT}`,
        `http://127.0.0.1:${raw.PORT}`,
      ],
    ),
  });
}
