import { generateKeyPairSync } from "node:crypto";
import { ConfigError } from "@rampart/kit";
import { DEV_ISSUER, loadConfig } from "../../src/config";

const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
// Written with escaped newlines, as one-line environment variables often are.
const privatePem = generateKeyPairSync("ed25519")
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString()
  .replace(/\n/g, "\\n");

const variablesRefused = (environment: Record<string, string>) => {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.variable).sort();
  }
  throw new Error("configuration was accepted");
};

describe("gateway configuration", () => {
  it("defaults to the development issuer and embedded stores", () => {
    const config = loadConfig({});
    expect(config.tokenVerification).toEqual({ kind: "dev-issuer" });
    expect(config.issuer).toBe(DEV_ISSUER);
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(4000);
    expect(config.subgraphUrls.commerce).toBe("http://127.0.0.1:4002/graphql");
  });

  it("names a bad variable", () => {
    expect(variablesRefused({ PORT: "99999" })).toEqual(["PORT"]);
    expect(variablesRefused({ COMMERCE_SUBGRAPH_URL: "ftp://x" })).toEqual([
      "COMMERCE_SUBGRAPH_URL",
    ]);
    expect(variablesRefused({ CLERK_SECRET_KEY: "not-a-key" })).toEqual(["CLERK_SECRET_KEY"]);
    expect(
      variablesRefused({
        GATEWAY_IDENTITY_PRIVATE_KEY:
          "-----BEGIN PRIVATE KEY-----\\nnonsense\\n-----END PRIVATE KEY-----",
      }),
    ).toEqual(["GATEWAY_IDENTITY_PRIVATE_KEY"]);
  });

  it("needs the issuer and authorized parties once Clerk is configured", () => {
    expect(variablesRefused({ CLERK_JWT_KEY: publicPem })).toEqual([
      "CLERK_AUTHORIZED_PARTIES",
      "CLERK_ISSUER",
    ]);
  });

  it("uses the Clerk key when given", () => {
    const config = loadConfig({
      CLERK_JWT_KEY: publicPem,
      CLERK_ISSUER: "https://clerk.shop.example",
      CLERK_AUTHORIZED_PARTIES: "https://a.example, https://b.example",
    });
    expect(config.tokenVerification.kind).toBe("jwt-key");
    expect(config.authorizedParties).toEqual(["https://a.example", "https://b.example"]);
  });

  it("refuses the development issuer, in-memory stores and generated keys in production", () => {
    expect(variablesRefused({ NODE_ENV: "production" })).toEqual([
      "CLERK_JWT_KEY",
      "GATEWAY_IDENTITY_PRIVATE_KEY",
      "REDIS_URL",
    ]);
  });

  it("starts in production when everything is configured", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      CLERK_JWT_KEY: publicPem,
      CLERK_ISSUER: "https://clerk.shop.example",
      CLERK_AUTHORIZED_PARTIES: "https://shop.example",
      REDIS_URL: "redis://redis:6379",
      GATEWAY_IDENTITY_PRIVATE_KEY: privatePem,
    });
    expect(config.nodeEnv).toBe("production");
  });
});
