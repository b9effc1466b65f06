import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import { ExitCode, UsageError, type Command } from "./command";
import { fillEmptyValues, parseEnvFile } from "./env-file";

/** Passwords for docker-compose.yml: PostgreSQL's superuser and roles, Redis's ACL users. */
export const generatedPasswordNames = [
  "POSTGRES_PASSWORD",
  "SECURITY_DB_PASSWORD",
  "COMMERCE_DB_PASSWORD",
  "NOTIFICATIONS_DB_PASSWORD",
  "FULFILLMENT_DB_PASSWORD",
  "REDIS_GATEWAY_PASSWORD",
  "REDIS_SECURITY_PASSWORD",
  "REDIS_COMMERCE_PASSWORD",
  "REDIS_NOTIFICATIONS_PASSWORD",
  "REDIS_FULFILLMENT_PASSWORD",
  "REDIS_RAMPART_PASSWORD",
  "REDIS_DEV_PASSWORD",
] as const;

/**
 * Variables earlier releases generated and nothing reads any more: `REDIS_SUBGRAPHS_PASSWORD`,
 * of the one Redis user the four subgraphs shared before each had its own.
 */
export const retiredSecretNames = ["REDIS_SUBGRAPHS_PASSWORD"] as const;

/** Every variable `rampart secrets` generates. */
export const generatedSecretNames = [
  ...generatedPasswordNames,
  "GATEWAY_IDENTITY_PRIVATE_KEY",
  "GATEWAY_IDENTITY_PUBLIC_KEY",
  "TWO_FACTOR_ENCRYPTION_KEY",
  "COMMERCE_ENCRYPTION_KEY",
  "NOTIFICATIONS_ENCRYPTION_KEY",
] as const;

/** A PEM as one `.env` line: single-quoted (literal for compose), newlines written `\n`. */
const pemLine = (pem: string): string => `'${pem.trim().replace(/\n/g, "\\n")}'`;

/**
 * Fresh values for every generated variable, as `.env` text: 192-bit URL-safe passwords (they
 * go inside connection URLs), an Ed25519 identity key pair, 256-bit keys sealing TOTP secrets,
 * commerce's payment secrets and KYC details, and notifications' webhook signing secrets (three
 * different keys).
 */
export function generateSecrets(): Record<(typeof generatedSecretNames)[number], string> {
  const password = () => randomBytes(24).toString("base64url");
  const identity = generateKeyPairSync("ed25519", {
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    ...(Object.fromEntries(generatedPasswordNames.map((name) => [name, password()])) as Record<
      (typeof generatedPasswordNames)[number],
      string
    >),
    GATEWAY_IDENTITY_PRIVATE_KEY: pemLine(identity.privateKey),
    GATEWAY_IDENTITY_PUBLIC_KEY: pemLine(identity.publicKey),
    TWO_FACTOR_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    COMMERCE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    NOTIFICATIONS_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  };
}

/**
 * Fills the empty generated variables of a `.env` file and returns the names it filled (never
 * the values). The identity key pair is filled only when both halves are empty: one half alone
 * cannot be matched, so that is refused.
 */
export function writeSecrets(file: string): string[] {
  if (!fs.existsSync(file)) {
    throw new UsageError(`${file} does not exist: cp .env.example ${file} first`);
  }
  const text = fs.readFileSync(file, "utf8");
  const current = new Map(parseEnvFile(text).map(({ name, value }) => [name, value]));
  const privateSet = Boolean(current.get("GATEWAY_IDENTITY_PRIVATE_KEY"));
  const publicSet = Boolean(current.get("GATEWAY_IDENTITY_PUBLIC_KEY"));
  if (privateSet !== publicSet) {
    throw new UsageError(
      `${file} has only one half of the identity key pair: empty both GATEWAY_IDENTITY_PRIVATE_KEY and GATEWAY_IDENTITY_PUBLIC_KEY to generate a new pair`,
    );
  }
  const { text: filledText, filled } = fillEmptyValues(text, generateSecrets());
  // Owner only: the file now holds passwords and a private key.
  fs.writeFileSync(file, filledText, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return filled;
}

/** The retired variables (see {@link retiredSecretNames}) still set in a `.env` file's text. */
export function retiredSecretsIn(text: string): string[] {
  const set = new Set(parseEnvFile(text).flatMap(({ name, value }) => (value ? [name] : [])));
  return retiredSecretNames.filter((name) => set.has(name));
}

/** `rampart secrets [--write <file>]`: the passwords and keys block for docker compose's `.env`. */
export const secretsCommands: readonly Command[] = [
  {
    name: ["secrets"],
    options: {
      write: {
        type: "string",
        help: "fill the empty ones in this .env file (mode 0600) instead of printing them",
      },
    },
    summary: "generate the passwords and keys docker-compose.yml needs (.env lines)",
    async run(args) {
      const file = args.values.write;
      if (typeof file === "string") {
        const filled = writeSecrets(file);
        process.stdout.write(
          filled.length > 0
            ? `filled in ${file}: ${filled.join(", ")}\n`
            : `${file} already has every generated value; nothing changed\n`,
        );
        for (const name of retiredSecretsIn(fs.readFileSync(file, "utf8")))
          process.stdout.write(`${name} in ${file} is no longer used: remove it\n`);
        return ExitCode.Ok;
      }
      const lines = Object.entries(generateSecrets()).map(([name, value]) => `${name}=${value}`);
      process.stdout.write(`${lines.join("\n")}\n`);
      return ExitCode.Ok;
    },
  },
];
