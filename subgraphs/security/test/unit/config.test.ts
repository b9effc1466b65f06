import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadOrCreateDevSecret } from "@rampart/kit";
import { parseSecurityConfig, TWO_FACTOR_DEV_SECRET } from "../../src/config";
import { configuredTwoFactorKeys } from "../../src/modules/two-factor";

const problemsOf = (environment: Record<string, string>) => {
  try {
    parseSecurityConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("configuration was accepted");
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-security-config-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Everything the security subgraph needs in production; each case changes one variable. */
const production = {
  NODE_ENV: "production",
  RAMPART_DATA_DIR: dataDir,
  DATABASE_URL: "postgres://rampart@db:5432/rampart",
  REDIS_URL: "redis://redis:6379",
  GATEWAY_IDENTITY_PUBLIC_KEY: generateKeyPairSync("ed25519")
    .publicKey.export({ type: "spki", format: "pem" })
    .toString(),
  CLERK_SUPERADMIN_ORG_ID: "org_2pX7platformAdmins",
  TWO_FACTOR_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

describe("security subgraph configuration in production", () => {
  it("starts with a key of its own, and seeds no demo data", () => {
    const config = parseSecurityConfig(production);
    expect(config.TWO_FACTOR_ENCRYPTION_KEY).toHaveLength(32);
    expect(config.SEED_DEMO_DATA).toBe(false);
  });

  it("refuses the development TWO_FACTOR_ENCRYPTION_KEY", () => {
    const devKey = loadOrCreateDevSecret(dataDir, TWO_FACTOR_DEV_SECRET).toString("base64");
    expect(problemsOf({ ...production, TWO_FACTOR_ENCRYPTION_KEY: devKey })).toEqual([
      {
        variable: "TWO_FACTOR_ENCRYPTION_KEY",
        message: expect.stringMatching(/development key.*Set TWO_FACTOR_ENCRYPTION_KEY to/),
      },
    ]);
  });

  it("takes a TOTP key ring for a rotation: the new key seals, the old single key still opens", () => {
    const newKey = randomBytes(32);
    const config = parseSecurityConfig({
      ...production,
      TWO_FACTOR_ENCRYPTION_KEYS: ` ${newKey.toString("base64")} ,`,
    });
    expect(configuredTwoFactorKeys(config)).toEqual([
      newKey,
      Buffer.from(production.TWO_FACTOR_ENCRYPTION_KEY, "base64"),
    ]);
    const { TWO_FACTOR_ENCRYPTION_KEY: _single, ...withoutSingle } = production;
    const ringOnly = parseSecurityConfig({
      ...withoutSingle,
      TWO_FACTOR_ENCRYPTION_KEYS: newKey.toString("base64"),
    });
    expect(configuredTwoFactorKeys(ringOnly)).toEqual([newKey]);
    expect(problemsOf(withoutSingle)).toEqual([
      { variable: "TWO_FACTOR_ENCRYPTION_KEY", message: expect.stringMatching(/required/) },
    ]);
  });

  it("refuses a TOTP key ring holding the development key, or a key of the wrong size", () => {
    const devKey = loadOrCreateDevSecret(dataDir, TWO_FACTOR_DEV_SECRET).toString("base64");
    const own = randomBytes(32).toString("base64");
    expect(problemsOf({ ...production, TWO_FACTOR_ENCRYPTION_KEYS: `${own},${devKey}` })).toEqual([
      {
        variable: "TWO_FACTOR_ENCRYPTION_KEYS",
        message: expect.stringMatching(/development key.*Set TWO_FACTOR_ENCRYPTION_KEYS to/),
      },
    ]);
    expect(
      problemsOf({
        ...production,
        TWO_FACTOR_ENCRYPTION_KEYS: `${own},${randomBytes(16).toString("base64")}`,
      }),
    ).toEqual([
      { variable: "TWO_FACTOR_ENCRYPTION_KEYS", message: expect.stringMatching(/32-byte keys/) },
    ]);
  });

  it("refuses ADMIN_REQUIRE_2FA=false, as every subgraph does", () => {
    expect(problemsOf({ ...production, ADMIN_REQUIRE_2FA: "false" })).toEqual([
      { variable: "ADMIN_REQUIRE_2FA", message: expect.stringMatching(/must be true/) },
    ]);
  });
});

describe("Clerk's webhook secret", () => {
  it("takes Clerk's whsec_ signing secret, and is optional (no route without it)", () => {
    const secret = `whsec_${randomBytes(32).toString("base64")}`;
    expect(parseSecurityConfig({ ...production, CLERK_WEBHOOK_SECRET: secret })).toMatchObject({
      CLERK_WEBHOOK_SECRET: secret,
    });
    expect(parseSecurityConfig(production).CLERK_WEBHOOK_SECRET).toBeUndefined();
  });

  it("refuses a value that is not a signing secret, naming the variable", () => {
    const problems = problemsOf({ ...production, CLERK_WEBHOOK_SECRET: "sk_live_not_a_whsec" });
    expect(JSON.stringify(problems)).toContain("CLERK_WEBHOOK_SECRET");
  });
});
