import fs from "node:fs";
import path from "node:path";
import {
  accessProductionProblems,
  accessShape,
  ConfigError,
  databaseUrlHint,
  env,
  identityKeyHint,
  ipRangeListSetting,
  parseConfig,
  type ConfigProblem,
  type Environment,
  type SessionPolicy,
} from "@rampart/kit";
import { checkCost } from "@rampart/kit/stores";
import { z } from "zod";
import { frontendApiOf, publishableKeySetting } from "./auth/publishable-key";
import type { RateLimitBudgets } from "./perimeter/rate-limit";
import { defaultWebRoot } from "./web/paths";
import {
  defaultPlaygroundMode,
  playgroundProblems,
  playgroundSetting,
  type PlaygroundMode,
} from "./web/playground";

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

/** Which face of the gateway a process serves (README and docs/architecture.md). */
export type GatewayProfile = "main" | "admin";

/** Default port per profile. */
export const defaultPortOf: Readonly<Record<GatewayProfile, number>> = { main: 4000, admin: 4400 };

/** The supergraph each profile serves by default: main gets the contract without admin fields. */
export const defaultSupergraphPathOf = (profile: GatewayProfile): string =>
  profile === "main"
    ? defaultSupergraphPath.replace(/\.graphql$/, ".main.graphql")
    : defaultSupergraphPath;

const origins = (variable: string) =>
  list(`Set ${variable} to comma-separated exact origins, e.g. https://shop.example.com`).refine(
    (values) =>
      values === undefined ||
      values.every((origin) => {
        try {
          return new URL(origin).origin === origin;
        } catch {
          return false;
        }
      }),
    "each entry must be an exact origin like https://shop.example.com (scheme, host, optional port; no path)",
  );

const perWindow = (variable: string, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .default(fallback)
    .describe(
      `Set ${variable} to a whole number of requests per RATE_LIMIT_WINDOW_SECONDS (default ${fallback})`,
    );

const shape = {
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  HOST: env.host(),
  GATEWAY_PROFILE: z
    .enum(["main", "admin"])
    .default("main")
    .describe(
      "Set GATEWAY_PROFILE to main (storefronts, port 4000) or admin (admin dashboard, port 4400)",
    ),
  PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .optional()
    .describe("Use a TCP port number between 0 and 65535 (default 4000 on main, 4400 on admin)"),
  ADMIN_PORT: env.port(4400),
  STOREFRONT_ORIGINS: origins("STOREFRONT_ORIGINS"),
  ADMIN_ORIGINS: origins("ADMIN_ORIGINS"),
  ADMIN_ENFORCE_IP_RESTRICTIONS: env.flag(
    true,
    "Set ADMIN_ENFORCE_IP_RESTRICTIONS to true (default) or false",
  ),
  ADMIN_IP_ALLOWLIST: ipRangeListSetting(
    "127.0.0.1/32,::1/128",
    "Set ADMIN_IP_ALLOWLIST to comma-separated IPv4/IPv6 CIDRs always allowed (default loopback)",
  ),
  TRUSTED_PROXIES: ipRangeListSetting(
    "",
    "Set TRUSTED_PROXIES to comma-separated CIDRs of the proxies whose X-Forwarded-For is believed (default none)",
  ),
  LOCKDOWN_MAIN_MODE: z
    .enum(["read-only", "block"])
    .default("read-only")
    .describe("Set LOCKDOWN_MAIN_MODE to read-only (default) or block"),
  DEGRADED_ANONYMOUS_READS: env.flag(
    true,
    "Set DEGRADED_ANONYMOUS_READS to true (default: while Redis is down, the main profile serves anonymous requests under per-replica rate limits) or false (503 for everyone)",
  ),
  RATE_LIMIT_WINDOW_SECONDS: env.secondsAsMs(
    60,
    "Set RATE_LIMIT_WINDOW_SECONDS to a whole number of seconds (default 60)",
  ),
  RATE_LIMIT_ANONYMOUS_PER_IP: perWindow("RATE_LIMIT_ANONYMOUS_PER_IP", 60),
  RATE_LIMIT_PER_USER: perWindow("RATE_LIMIT_PER_USER", 600),
  RATE_LIMIT_SIGNED_IN_PER_IP: perWindow("RATE_LIMIT_SIGNED_IN_PER_IP", 1200),
  RATE_LIMIT_ANONYMOUS_MUTATIONS_PER_IP: perWindow("RATE_LIMIT_ANONYMOUS_MUTATIONS_PER_IP", 20),
  RATE_LIMIT_MUTATIONS_PER_USER: perWindow("RATE_LIMIT_MUTATIONS_PER_USER", 60),
  RATE_LIMIT_IPV6_PREFIX: z.coerce
    .number()
    .int()
    .min(32)
    .max(128)
    .default(64)
    .describe("Set RATE_LIMIT_IPV6_PREFIX to an IPv6 prefix length from 32 to 128 (default 64)"),
  INTROSPECTION: z
    .enum(["superadmin", "off", "everyone"])
    .default("superadmin")
    .describe(
      "Set INTROSPECTION to superadmin (default: superadmins on the admin profile), off, or everyone (development only)",
    ),
  PLAYGROUND: playgroundSetting,
  ADMIN_UI_DIR: z
    .string()
    .optional()
    .describe("Set ADMIN_UI_DIR to the built admin-ui folder (default admin-ui/dist)"),
  ...accessShape,
  RAMPART_DATA_DIR: env.dataDir(),
  DATABASE_URL: env.url(["postgres", "postgresql"], databaseUrlHint),
  SUPERGRAPH_PATH: z
    .string()
    .optional()
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
  CLERK_PUBLISHABLE_KEY: publishableKeySetting,
  CLERK_AUTHORIZED_PARTIES: list(
    "Set CLERK_AUTHORIZED_PARTIES to the comma-separated origins your frontends run on, e.g. https://shop.example.com",
  ),
};

/** The file's text, or null when it does not exist. */
const readIfExists = (file: string): string | null =>
  fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;

/** Markers of keys copied from documentation; never acceptable in production. */
const exampleKeys = ["EXAMPLE", "CHANGE-ME", "CHANGEME", "changeme"];

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
  /** Which face this process serves. */
  readonly profile: GatewayProfile;
  readonly port: number;
  /** Port of the admin profile when `npm start` runs both. */
  readonly adminPort: number;
  /** Exact origins allowed by CORS on this profile. */
  readonly allowedOrigins: readonly string[];
  /** Whether the IP allowlist is enforced for every request (admin profile). */
  readonly enforceIpAllowlist: boolean;
  /** CIDRs always allowed (bootstrap entries). */
  readonly ipAllowlistBootstrap: readonly string[];
  /** CIDRs whose X-Forwarded-For is believed. */
  readonly trustedProxies: readonly string[];
  /** CIDRs that may read `GET /metrics` (`METRICS_ALLOWLIST`), matched against the client IP. */
  readonly metricsAllowlist: readonly string[];
  /** What the main profile does during an emergency lockdown. */
  readonly lockdownMainMode: "read-only" | "block";
  /** Gateway rate-limit budgets. */
  readonly rateLimits: RateLimitBudgets;
  /**
   * Main profile only: while the shared stores are down, anonymous requests go on under
   * per-replica in-memory rate limits (`DEGRADED_ANONYMOUS_READS`); always false on admin.
   */
  readonly degradedAnonymousReads: boolean;
  /** IPv6 clients are limited per network of this length. */
  readonly rateLimitIpv6PrefixLength: number;
  /** Who may introspect. */
  readonly introspection: "superadmin" | "off" | "everyone";
  /** Who gets GraphiQL at `/graphiql` (`PLAYGROUND`): by default open in development, off in production or with `INTROSPECTION=off`. */
  readonly playground: PlaygroundMode;
  /** The built admin dashboard and playground (`admin-ui/dist`). */
  readonly webRoot: string;
  /** The security subgraph's PostgreSQL, for `npm run rampart -- audit verify`; PGlite when unset. */
  readonly databaseUrl: string | undefined;
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
  /** Clerk's publishable key for the admin dashboard's sign-in (`CLERK_PUBLISHABLE_KEY`), if set. */
  readonly clerkPublishableKey: string | undefined;
  /** The Frontend API origin that key names (`https://clerk.example.com`): the CSP allows it. */
  readonly clerkFrontendApi: string | undefined;
}

/** Reads and validates the gateway's environment. The only place it reads `process.env`. */
export function loadConfig(environment: Environment = process.env): GatewayConfig {
  const raw = parseConfig(shape, environment);
  const clerkConfigured = Boolean(raw.CLERK_JWT_KEY || raw.CLERK_SECRET_KEY);
  const problems: ConfigProblem[] = [];
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
  const clerkFrontendApi = raw.CLERK_PUBLISHABLE_KEY
    ? (frontendApiOf(raw.CLERK_PUBLISHABLE_KEY) ?? undefined)
    : undefined;
  if (clerkFrontendApi && !clerkConfigured) {
    problems.push({
      variable: "CLERK_PUBLISHABLE_KEY",
      message:
        "needs CLERK_JWT_KEY or CLERK_SECRET_KEY: the dashboard would sign in with Clerk and the gateway would refuse its tokens",
    });
  }
  if (
    clerkFrontendApi &&
    raw.CLERK_ISSUER &&
    new URL(raw.CLERK_ISSUER).origin !== clerkFrontendApi
  ) {
    problems.push({
      variable: "CLERK_PUBLISHABLE_KEY",
      message: `names the Frontend API ${clerkFrontendApi}, but CLERK_ISSUER is ${raw.CLERK_ISSUER}: use the publishable key of the same Clerk instance`,
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
  const profile = raw.GATEWAY_PROFILE;
  const allowedOrigins =
    (profile === "admin" ? raw.ADMIN_ORIGINS : raw.STOREFRONT_ORIGINS) ??
    (production
      ? []
      : [
          `http://localhost:${raw.PORT ?? defaultPortOf[profile]}`,
          `http://127.0.0.1:${raw.PORT ?? defaultPortOf[profile]}`,
          "http://localhost:5173",
        ]);
  if (production) {
    if (raw.ADMIN_ENFORCE_IP_RESTRICTIONS === false) {
      problems.push({
        variable: "ADMIN_ENFORCE_IP_RESTRICTIONS",
        message: "must be true in production",
      });
    }
    // The superadmin organization and the second factor for admins, as every subgraph checks.
    problems.push(...accessProductionProblems(raw, environment));
    if (raw.INTROSPECTION === "everyone") {
      problems.push({
        variable: "INTROSPECTION",
        message: "everyone is refused in production; use superadmin or off",
      });
    }
    for (const variable of ["STOREFRONT_ORIGINS", "ADMIN_ORIGINS"] as const) {
      if (raw[variable]?.some((origin) => origin.includes("*"))) {
        problems.push({
          variable,
          message: "wildcard origins are refused in production (credentials are allowed)",
        });
      }
    }
    // Development keys (generated into the data folder) or keys copied from documentation.
    const devKey = (name: string) => readIfExists(path.join(raw.RAMPART_DATA_DIR, "keys", name));
    const examples = {
      GATEWAY_IDENTITY_PRIVATE_KEY: devKey("identity-ed25519.pem"),
      CLERK_JWT_KEY: devKey("dev-issuer-rsa.pub.pem"),
    };
    for (const [variable, devPem] of Object.entries(examples) as [
      keyof typeof examples,
      string | null,
    ][]) {
      const value = raw[variable]?.trim();
      if (
        value &&
        ((devPem !== null && value === devPem.trim()) ||
          exampleKeys.some((marker) => value.includes(marker)))
      ) {
        problems.push({
          variable,
          message: "is a development or example key; generate a key of your own",
        });
      }
    }
  }
  // The limiter keeps each budget's capacity (limit × window in µs) as an exact number: a
  // budget past that would pass here and refuse every request at run time.
  for (const variable of [
    "RATE_LIMIT_ANONYMOUS_PER_IP",
    "RATE_LIMIT_PER_USER",
    "RATE_LIMIT_SIGNED_IN_PER_IP",
    "RATE_LIMIT_ANONYMOUS_MUTATIONS_PER_IP",
    "RATE_LIMIT_MUTATIONS_PER_USER",
  ] as const) {
    try {
      checkCost({ limit: raw[variable], windowMs: raw.RATE_LIMIT_WINDOW_SECONDS });
    } catch {
      problems.push({
        variable,
        message: `is too large for RATE_LIMIT_WINDOW_SECONDS (${raw.RATE_LIMIT_WINDOW_SECONDS / 1000} s): at most ${Math.floor(Number.MAX_SAFE_INTEGER / (raw.RATE_LIMIT_WINDOW_SECONDS * 1000))} per window`,
      });
    }
  }
  problems.push(...playgroundProblems(raw.PLAYGROUND, raw.INTROSPECTION, production));
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
    profile,
    port: raw.PORT ?? defaultPortOf[profile],
    adminPort: raw.ADMIN_PORT,
    allowedOrigins: Object.freeze(allowedOrigins),
    enforceIpAllowlist: profile === "admin" && raw.ADMIN_ENFORCE_IP_RESTRICTIONS,
    ipAllowlistBootstrap: Object.freeze(raw.ADMIN_IP_ALLOWLIST),
    trustedProxies: Object.freeze(raw.TRUSTED_PROXIES),
    metricsAllowlist: Object.freeze(raw.METRICS_ALLOWLIST),
    lockdownMainMode: raw.LOCKDOWN_MAIN_MODE,
    introspection: raw.INTROSPECTION,
    playground: raw.PLAYGROUND ?? defaultPlaygroundMode(raw.INTROSPECTION, production),
    webRoot: raw.ADMIN_UI_DIR ?? defaultWebRoot,
    rateLimits: Object.freeze({
      anonymousPerIp: {
        limit: raw.RATE_LIMIT_ANONYMOUS_PER_IP,
        windowMs: raw.RATE_LIMIT_WINDOW_SECONDS,
      },
      perUser: { limit: raw.RATE_LIMIT_PER_USER, windowMs: raw.RATE_LIMIT_WINDOW_SECONDS },
      signedInPerIp: {
        limit: raw.RATE_LIMIT_SIGNED_IN_PER_IP,
        windowMs: raw.RATE_LIMIT_WINDOW_SECONDS,
      },
      anonymousMutationsPerIp: {
        limit: raw.RATE_LIMIT_ANONYMOUS_MUTATIONS_PER_IP,
        windowMs: raw.RATE_LIMIT_WINDOW_SECONDS,
      },
      mutationsPerUser: {
        limit: raw.RATE_LIMIT_MUTATIONS_PER_USER,
        windowMs: raw.RATE_LIMIT_WINDOW_SECONDS,
      },
    }),
    rateLimitIpv6PrefixLength: raw.RATE_LIMIT_IPV6_PREFIX,
    degradedAnonymousReads: profile === "main" && raw.DEGRADED_ANONYMOUS_READS,
    databaseUrl: raw.DATABASE_URL,
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
    supergraphPath: raw.SUPERGRAPH_PATH ?? defaultSupergraphPathOf(profile),
    subgraphUrls: Object.freeze({
      security: raw.SECURITY_SUBGRAPH_URL,
      commerce: raw.COMMERCE_SUBGRAPH_URL,
      notifications: raw.NOTIFICATIONS_SUBGRAPH_URL,
      fulfillment: raw.FULFILLMENT_SUBGRAPH_URL,
    }),
    identityPrivateKeyPem: raw.GATEWAY_IDENTITY_PRIVATE_KEY,
    tokenVerification,
    issuer: raw.CLERK_ISSUER ?? DEV_ISSUER,
    // Development tokens name the main profile's origin; both profiles accept them.
    authorizedParties: Object.freeze(
      raw.CLERK_AUTHORIZED_PARTIES ?? [
        `http://localhost:${raw.PORT ?? defaultPortOf.main}`,
        "http://localhost:4000",
      ],
    ),
    clerkPublishableKey: raw.CLERK_PUBLISHABLE_KEY,
    clerkFrontendApi,
  });
}

/** The gateway's environment variables, each with its default and hint (`npm run docs`). */
export { shape as gatewayConfigShape };
