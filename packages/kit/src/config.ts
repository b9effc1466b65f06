import { createPrivateKey, createPublicKey } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors";
import { ipRangeListSetting } from "./ip-allowlist/setting";
import { DEFAULT_METRICS_ALLOWLIST } from "./metrics/endpoint";

/** Where the repository's git-ignored state lives by default (`<repo>/.data`). */
export const defaultDataDir = path.resolve(__dirname, "..", "..", "..", ".data");

/** The raw environment, as handed to a workspace's `config.ts`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses `env` with a zod object schema whose fields carry `.describe()` hints, and returns a
 * frozen result. Every invalid variable is reported at once, each with its hint, as a
 * {@link ConfigError}.
 */
export function parseConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Environment,
): Readonly<z.infer<z.ZodObject<Shape>>> {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = z.object(shape).safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? "?");
        const hint = (shape[variable] as z.ZodType | undefined)?.description;
        return { variable, message: hint ? `${issue.message}. ${hint}` : issue.message };
      }),
    );
  }
  return Object.freeze(result.data) as Readonly<z.infer<z.ZodObject<Shape>>>;
}

/** Schema pieces every workspace uses. */
export const env = {
  /** `development` (default), `test` or `production`. */
  nodeEnv: () =>
    z
      .enum(["development", "test", "production"])
      .default("development")
      .describe("Set NODE_ENV to development, test or production"),
  /** A pino level. */
  logLevel: () =>
    z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info")
      .describe("Set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent"),
  /** A TCP port. */
  port: (fallback: number) =>
    z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(fallback)
      .describe(`Use a TCP port number between 0 and 65535 (default ${fallback})`),
  /** A host or address to listen on. */
  host: () =>
    z.string().min(1).default("127.0.0.1").describe("Use an address such as 127.0.0.1 or 0.0.0.0"),
  /** An optional URL with one of the given schemes. */
  url: (schemes: readonly string[], hint: string) =>
    z
      .string()
      .refine(
        (value) => {
          try {
            return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
          } catch {
            return false;
          }
        },
        `must be a ${schemes.join(" or ")} URL`,
      )
      .optional()
      .describe(hint),
  /** A folder for embedded state (PGlite data, development keys). */
  dataDir: () =>
    z
      .string()
      .min(1)
      .default(defaultDataDir)
      .describe("Set RAMPART_DATA_DIR to a writable folder for embedded state"),
  /** A boolean written as true/false/1/0. */
  flag: (fallback: boolean, hint: string) =>
    z
      .enum(["true", "false", "1", "0"])
      .default(fallback ? "true" : "false")
      .transform((value) => value === "true" || value === "1")
      .describe(hint),
  /** A whole number of seconds, returned in ms. */
  secondsAsMs: (fallbackSeconds: number, hint: string) =>
    z.coerce
      .number()
      .int()
      .min(1)
      .default(fallbackSeconds)
      .transform((seconds) => seconds * 1000)
      .describe(hint),
  /** An optional PEM-encoded key. */
  pem: (kind: "PUBLIC" | "PRIVATE", hint: string) =>
    z
      .string()
      .transform((value) => value.replace(/\\n/g, "\n").trim())
      .refine((value) => {
        try {
          (kind === "PUBLIC" ? createPublicKey : createPrivateKey)(value);
          return value.includes(`-----BEGIN ${kind} KEY-----`);
        } catch {
          return false;
        }
      }, `must be a PEM ${kind.toLowerCase()} key`)
      .optional()
      .describe(hint),
};

/** Hint shared by DATABASE_URL across workspaces. */
export const databaseUrlHint =
  "Set DATABASE_URL to postgres://user@host:5432/db, or leave it unset for embedded PGlite";
/** Hint shared by REDIS_URL across workspaces. */
export const redisUrlHint =
  "Set REDIS_URL to redis://host:6379, or leave it unset for in-memory stores";
/** Hint shared by the gateway identity keys. */
export const identityKeyHint =
  "Set it to the gateway's Ed25519 key in PEM (escape newlines as \\n), or leave it unset in development to use generated keys";

/** Hint shared by the launcher's shared-memory store socket. */
export const storeSocketHint =
  "RAMPART_STORE_SOCKET is set by npm start's launcher; unset it, or set REDIS_URL instead";

/** The development issuer's superadmin organization: the default, refused in production. */
export const DEV_SUPERADMIN_ORG_ID = "org_rampart_admin";

/** Session policy, authorization and operations settings read by the gateway and every subgraph. */
export const accessShape = {
  SESSION_IDLE_TIMEOUT_SECONDS: env.secondsAsMs(
    1800,
    "Set SESSION_IDLE_TIMEOUT_SECONDS to a whole number of seconds (default 1800)",
  ),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: env.secondsAsMs(
    43200,
    "Set SESSION_ABSOLUTE_TIMEOUT_SECONDS to a whole number of seconds (default 43200)",
  ),
  STEP_UP_WINDOW_SECONDS: env.secondsAsMs(
    600,
    "Set STEP_UP_WINDOW_SECONDS to a whole number of seconds (default 600)",
  ),
  CLERK_SUPERADMIN_ORG_ID: z
    .string()
    .regex(/^org_[A-Za-z0-9_]+$/, "must be a Clerk organization id (org_...)")
    .default(DEV_SUPERADMIN_ORG_ID)
    .describe(
      "Set CLERK_SUPERADMIN_ORG_ID to the Clerk organization whose admins are platform superadmins",
    ),
  ADMIN_REQUIRE_2FA: env.flag(true, "Set ADMIN_REQUIRE_2FA to true (default) or false"),
  REDIS_URL: env.url(["redis", "rediss"], redisUrlHint),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{0,64}$/, "use letters, digits, ':', '_' or '-' (at most 64)")
    .default("")
    .describe("Set REDIS_KEY_PREFIX to namespace every key when environments share a Redis"),
  RAMPART_STORE_SOCKET: z.string().min(1).optional().describe(storeSocketHint),
  METRICS_ALLOWLIST: ipRangeListSetting(
    DEFAULT_METRICS_ALLOWLIST.join(","),
    "Set METRICS_ALLOWLIST to comma-separated IPv4/IPv6 CIDRs that may read GET /metrics (default loopback)",
  ),
};

/** The parsed {@link accessShape}. */
export type AccessSettings = Readonly<z.infer<z.ZodObject<typeof accessShape>>>;

/** One refused environment variable and how to fix it, as {@link ConfigError} lists them. */
export interface ConfigProblem {
  /** The variable's name. */
  readonly variable: string;
  /** What is wrong, with a "Set X to …" hint. */
  readonly message: string;
}

/** Whether `variable` was given a value (parseConfig reads an empty string as unset). */
export const isVariableSet = (environment: Environment, variable: string): boolean =>
  environment[variable] !== undefined && environment[variable] !== "";

/**
 * The production refusals of {@link accessShape}, applied alike by the gateway and every
 * subgraph: each process authorizes on its own, so one process started with a development
 * default would be the hole. The superadmin organization must be named (its default is the
 * development issuer's, which anyone who reads the README knows), and admins always need a
 * second factor.
 */
export function accessProductionProblems(
  settings: AccessSettings,
  environment: Environment,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isVariableSet(environment, "CLERK_SUPERADMIN_ORG_ID")) {
    problems.push({
      variable: "CLERK_SUPERADMIN_ORG_ID",
      message: `must be set in production (the default ${DEV_SUPERADMIN_ORG_ID} is for development). ${accessShape.CLERK_SUPERADMIN_ORG_ID.description}`,
    });
  } else if (settings.CLERK_SUPERADMIN_ORG_ID === DEV_SUPERADMIN_ORG_ID) {
    problems.push({
      variable: "CLERK_SUPERADMIN_ORG_ID",
      message: `${DEV_SUPERADMIN_ORG_ID} is the development issuer's organization. ${accessShape.CLERK_SUPERADMIN_ORG_ID.description}`,
    });
  }
  if (!settings.ADMIN_REQUIRE_2FA) {
    problems.push({
      variable: "ADMIN_REQUIRE_2FA",
      message: "must be true in production. Set ADMIN_REQUIRE_2FA to true, or leave it unset",
    });
  }
  return problems;
}
