import { generateKeyPairSync, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadOrCreateDevSecret } from "@rampart/kit";
import { COMMERCE_DEV_SECRET, parseCommerceConfig } from "../../src/config";

const problemsOf = (environment: Record<string, string>) => {
  try {
    parseCommerceConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("configuration was accepted");
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-commerce-config-"));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Everything the commerce subgraph needs in production; each case changes one variable. */
const production = {
  NODE_ENV: "production",
  RAMPART_DATA_DIR: dataDir,
  DATABASE_URL: "postgres://rampart@db:5432/rampart",
  REDIS_URL: "redis://redis:6379",
  GATEWAY_IDENTITY_PUBLIC_KEY: generateKeyPairSync("ed25519")
    .publicKey.export({ type: "spki", format: "pem" })
    .toString(),
  CLERK_SUPERADMIN_ORG_ID: "org_2pX7platformAdmins",
  COMMERCE_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
};

describe("commerce subgraph configuration", () => {
  it("starts in production with a key of its own, and seeds no demo data", () => {
    const config = parseCommerceConfig(production);
    expect(config.COMMERCE_ENCRYPTION_KEY).toHaveLength(32);
    expect(config.SEED_DEMO_DATA).toBe(false);
  });

  it("refuses to start in production without COMMERCE_ENCRYPTION_KEY", () => {
    const { COMMERCE_ENCRYPTION_KEY: _key, ...withoutKey } = production;
    expect(problemsOf(withoutKey)).toEqual([
      {
        variable: "COMMERCE_ENCRYPTION_KEY",
        message: expect.stringMatching(/required in production/),
      },
    ]);
  });

  it("refuses the development COMMERCE_ENCRYPTION_KEY in production", () => {
    const devKey = loadOrCreateDevSecret(dataDir, COMMERCE_DEV_SECRET).toString("base64");
    expect(problemsOf({ ...production, COMMERCE_ENCRYPTION_KEY: devKey })).toEqual([
      {
        variable: "COMMERCE_ENCRYPTION_KEY",
        message: expect.stringMatching(/development key.*Set COMMERCE_ENCRYPTION_KEY to/),
      },
    ]);
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(
      problemsOf({ ...production, COMMERCE_ENCRYPTION_KEY: randomBytes(16).toString("base64") }),
    ).toEqual([
      { variable: "COMMERCE_ENCRYPTION_KEY", message: expect.stringMatching(/32 bytes/) },
    ]);
  });

  it("runs without a key in development (a generated one is used)", () => {
    expect(
      parseCommerceConfig({ RAMPART_DATA_DIR: dataDir }).COMMERCE_ENCRYPTION_KEY,
    ).toBeUndefined();
  });
});
