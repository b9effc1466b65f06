import { ConfigError } from "@rampart/kit";
import { parseFulfillmentConfig } from "../../src/config";

const production = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://rampart@db:5432/rampart",
  REDIS_URL: "redis://redis:6379",
  GATEWAY_IDENTITY_PUBLIC_KEY:
    "-----BEGIN PUBLIC KEY-----\\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\\n-----END PUBLIC KEY-----",
  CLERK_SUPERADMIN_ORG_ID: "org_platform_ops",
};
const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
const apiKey = "carrier-api-key-0123456789";

/** The variables a ConfigError names. */
function refusedVariables(environment: Record<string, string>): string[] {
  try {
    parseFulfillmentConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable);
    throw error;
  }
  return [];
}

describe("fulfillment config", () => {
  it("defaults to no carrier, local delivery and pickup only", () => {
    const config = parseFulfillmentConfig({});
    expect(config.FULFILLMENT_CARRIER_URL).toBeUndefined();
    expect(config.FULFILLMENT_MAX_ATTEMPTS).toBe(5);
  });

  it("requires the API key with the carrier URL", () => {
    expect(refusedVariables({ FULFILLMENT_CARRIER_URL: "https://carrier.example" })).toContain(
      "FULFILLMENT_CARRIER_API_KEY",
    );
  });

  it("refuses a clear-text carrier, an unsigned webhook and an unrestricted webhook in production", () => {
    expect(
      refusedVariables({
        ...production,
        FULFILLMENT_CARRIER_URL: "http://carrier.example",
        FULFILLMENT_CARRIER_API_KEY: apiKey,
      }),
    ).toEqual(
      expect.arrayContaining(["FULFILLMENT_CARRIER_URL", "FULFILLMENT_CARRIER_WEBHOOK_SECRET"]),
    );
    expect(
      refusedVariables({
        ...production,
        FULFILLMENT_CARRIER_URL: "https://carrier.example",
        FULFILLMENT_CARRIER_API_KEY: apiKey,
        FULFILLMENT_CARRIER_WEBHOOK_SECRET: secret,
      }),
    ).toContain("FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST");
  });

  it("accepts a production carrier over https with a signed, restricted webhook", () => {
    expect(
      refusedVariables({
        ...production,
        FULFILLMENT_CARRIER_URL: "https://carrier.example",
        FULFILLMENT_CARRIER_API_KEY: apiKey,
        FULFILLMENT_CARRIER_WEBHOOK_SECRET: secret,
        FULFILLMENT_CARRIER_WEBHOOK_ALLOWLIST: "203.0.113.0/24",
      }),
    ).toEqual([]);
  });

  it("refuses a webhook secret that is not a Standard Webhooks secret", () => {
    expect(refusedVariables({ FULFILLMENT_CARRIER_WEBHOOK_SECRET: "hunter2" })).toEqual([
      "FULFILLMENT_CARRIER_WEBHOOK_SECRET",
    ]);
  });
});
