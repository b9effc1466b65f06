import fs from "node:fs";
import path from "node:path";
import {
  DEFAULT_IDENTITY_OVERLAP_MS,
  DEFAULT_IDENTITY_PROPAGATION_MS,
  IDENTITY_TTL_SECONDS,
  privateKeyFromPem,
  rotateIdentityKey,
} from "@rampart/kit";
import { openDatabase } from "@rampart/kit/stores";
import {
  parseSecurityConfig,
  resealTwoFactorSecrets,
  TwoFactorCredential,
  twoFactorSecretBox,
} from "@rampart/security";
import { ExitCode, UsageError, type Command, type CommandArgs } from "./command";
import { operatorConfig, recordOperatorEvent, withStores } from "./operator";

/** PostgreSQL schema of the security subgraph, which owns the TOTP secrets. */
const SECURITY_SCHEMA = "security";

/** A whole number of seconds between `min` and `max`, from option `name`, or its default. */
function secondsOption(
  args: CommandArgs,
  name: string,
  { min, max, fallbackMs }: { min: number; max: number; fallbackMs: number },
): number {
  const text = args.values[name];
  if (text === undefined) return fallbackMs;
  const seconds = Number(text);
  if (typeof text !== "string" || !/^\d+$/.test(text) || seconds < min || seconds > max)
    throw new UsageError(`--${name} must be a whole number of seconds from ${min} to ${max}`);
  return seconds * 1000;
}

/**
 * The gateway's configured identity key (the anchor): GATEWAY_IDENTITY_PRIVATE_KEY, or in
 * development the key the platform generated under RAMPART_DATA_DIR/keys (never generated here:
 * a key no running process knows would sign a ring they all refuse).
 */
function identityAnchorPem(): string {
  const { identityPrivateKeyPem, dataDir } = operatorConfig();
  if (identityPrivateKeyPem) return identityPrivateKeyPem;
  const file = path.join(dataDir, "keys", "identity-ed25519.pem");
  if (!fs.existsSync(file)) {
    throw new Error(
      "GATEWAY_IDENTITY_PRIVATE_KEY is unset and no development key exists under RAMPART_DATA_DIR/keys (start the platform first)",
    );
  }
  return fs.readFileSync(file, "utf8");
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `keys rotate identity`, `keys rotate totp`: key rotation while traffic flows. */
export const keyCommands: readonly Command[] = [
  {
    name: ["keys", "rotate", "identity"],
    options: {
      "propagation-seconds": {
        type: "string",
        help: `wait before gateways sign with the new key (1-3600, default ${DEFAULT_IDENTITY_PROPAGATION_MS / 1000})`,
      },
      "overlap-seconds": {
        type: "string",
        help: `how long subgraphs still accept the old key after the switch (0-86400, default ${DEFAULT_IDENTITY_OVERLAP_MS / 1000}; below ${IDENTITY_TTL_SECONDS} refuses requests in flight)`,
      },
    },
    summary: "rotate the gateway's identity-assertion key (every replica, no restart)",
    async run(args) {
      const propagationMs = secondsOption(args, "propagation-seconds", {
        min: 1,
        max: 3600,
        fallbackMs: DEFAULT_IDENTITY_PROPAGATION_MS,
      });
      const overlapMs = secondsOption(args, "overlap-seconds", {
        min: 0,
        max: 86_400,
        fallbackMs: DEFAULT_IDENTITY_OVERLAP_MS,
      });
      const anchor = privateKeyFromPem(identityAnchorPem());
      return withStores(async (stores) => {
        const rotation = await rotateIdentityKey({ stores, anchor, propagationMs, overlapMs });
        await recordOperatorEvent(stores, {
          type: "identity.key_rotated",
          severity: "high",
          reason: `identity key ${rotation.kid} signs from ${iso(rotation.activeFrom)}; ${rotation.previousKid} refused after ${iso(rotation.previousRetireAt)}`,
        });
        process.stdout.write(
          `${JSON.stringify({
            kid: rotation.kid,
            activeFrom: iso(rotation.activeFrom),
            previousKid: rotation.previousKid,
            previousRetireAt: iso(rotation.previousRetireAt),
          })}\n`,
        );
        return ExitCode.Ok;
      });
    },
  },
  {
    name: ["keys", "rotate", "totp"],
    summary:
      "re-seal every TOTP secret under the first key of TWO_FACTOR_ENCRYPTION_KEYS (idempotent)",
    async run() {
      const config = parseSecurityConfig(process.env);
      if (!config.DATABASE_URL) {
        throw new Error(
          "DATABASE_URL is unset: the embedded database belongs to the running platform; stop it or set DATABASE_URL",
        );
      }
      const secretBox = twoFactorSecretBox(config);
      const database = await openDatabase({
        schema: SECURITY_SCHEMA,
        entities: [TwoFactorCredential],
        migrations: [],
        databaseUrl: config.DATABASE_URL,
        migrate: false,
      });
      let report;
      try {
        report = await resealTwoFactorSecrets(database.orm.em, secretBox);
      } finally {
        await database.close();
      }
      await withStores((stores) =>
        recordOperatorEvent(stores, {
          type: "two_factor.key_rotated",
          severity: "high",
          reason: `TOTP secrets re-sealed under key ${secretBox.sealingKeyId}: ${report.resealed} re-sealed, ${report.left} left`,
        }),
      );
      process.stdout.write(
        `${JSON.stringify({ sealingKeyId: secretBox.sealingKeyId, ...report })}\n`,
      );
      if (report.left > 0) {
        process.stderr.write(
          `${report.left} secrets are still sealed under an older key: a process seals with an old TWO_FACTOR_ENCRYPTION_KEYS; restart it with the new ring and run this again\n`,
        );
        return ExitCode.Failed;
      }
      return ExitCode.Ok;
    },
  },
];
