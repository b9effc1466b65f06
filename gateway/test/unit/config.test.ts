import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError, loadOrCreateDevKeyPair } from "@rampart/kit";
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

const devDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-config-"));
const devKeys = loadOrCreateDevKeyPair(devDataDir, "identity-ed25519");
const devIssuerKeys = loadOrCreateDevKeyPair(devDataDir, "dev-issuer-rsa");
afterAll(() => fs.rmSync(devDataDir, { recursive: true, force: true }));

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
    expect(
      variablesRefused({ NODE_ENV: "production", CLERK_SUPERADMIN_ORG_ID: "org_2pX7admins" }),
    ).toEqual(["CLERK_JWT_KEY", "GATEWAY_IDENTITY_PRIVATE_KEY", "REDIS_URL"]);
  });

  describe("production guards: one refusal each, naming the variable", () => {
    const production = {
      NODE_ENV: "production",
      CLERK_JWT_KEY: publicPem,
      CLERK_ISSUER: "https://clerk.shop.example",
      CLERK_AUTHORIZED_PARTIES: "https://shop.example",
      REDIS_URL: "redis://redis:6379",
      GATEWAY_IDENTITY_PRIVATE_KEY: privatePem,
      CLERK_SUPERADMIN_ORG_ID: "org_2pX7admins",
    };
    const without = (variable: keyof typeof production) => {
      const { [variable]: _removed, ...rest } = production;
      return rest;
    };
    it.each([
      ["the development token issuer", without("CLERK_JWT_KEY"), ["CLERK_JWT_KEY"]],
      ["in-memory stores", without("REDIS_URL"), ["REDIS_URL"]],
      [
        "a missing identity key",
        without("GATEWAY_IDENTITY_PRIVATE_KEY"),
        ["GATEWAY_IDENTITY_PRIVATE_KEY"],
      ],
      [
        "the development identity key",
        {
          ...production,
          RAMPART_DATA_DIR: devDataDir,
          GATEWAY_IDENTITY_PRIVATE_KEY: devKeys.privateKeyPem,
        },
        ["GATEWAY_IDENTITY_PRIVATE_KEY"],
      ],
      [
        "the development issuer's key as Clerk's",
        { ...production, RAMPART_DATA_DIR: devDataDir, CLERK_JWT_KEY: devIssuerKeys.publicKeyPem },
        ["CLERK_JWT_KEY"],
      ],
      [
        "wildcard storefront CORS",
        { ...production, STOREFRONT_ORIGINS: "*" },
        ["STOREFRONT_ORIGINS"],
      ],
      [
        "wildcard admin CORS",
        { ...production, ADMIN_ORIGINS: "https://*.example.com" },
        ["ADMIN_ORIGINS"],
      ],
      [
        "introspection for everyone",
        { ...production, INTROSPECTION: "everyone" },
        ["INTROSPECTION"],
      ],
      [
        "an unrestricted admin profile",
        { ...production, ADMIN_ENFORCE_IP_RESTRICTIONS: "false" },
        ["ADMIN_ENFORCE_IP_RESTRICTIONS"],
      ],
      [
        "a superadmin organization left to its default",
        without("CLERK_SUPERADMIN_ORG_ID"),
        ["CLERK_SUPERADMIN_ORG_ID"],
      ],
      [
        "the development superadmin organization",
        { ...production, CLERK_SUPERADMIN_ORG_ID: "org_rampart_admin" },
        ["CLERK_SUPERADMIN_ORG_ID"],
      ],
      [
        "admins without a second factor",
        { ...production, ADMIN_REQUIRE_2FA: "false" },
        ["ADMIN_REQUIRE_2FA"],
      ],
    ])("refuses %s", (_name, environment, variables) => {
      expect(variablesRefused(environment as Record<string, string>)).toEqual(variables);
    });
  });

  it("serves the contract on main and the full supergraph on admin, on their own ports", () => {
    expect(loadConfig({})).toMatchObject({
      profile: "main",
      port: 4000,
      enforceIpAllowlist: false,
    });
    expect(loadConfig({}).supergraphPath).toMatch(/supergraph\.main\.graphql$/);
    const admin = loadConfig({ GATEWAY_PROFILE: "admin" });
    expect(admin).toMatchObject({ profile: "admin", port: 4400, enforceIpAllowlist: true });
    expect(admin.supergraphPath).toMatch(/supergraph\.graphql$/);
    expect(admin.ipAllowlistBootstrap).toEqual(["127.0.0.1/32", "::1/128"]);
  });

  it("refuses an origin that is not exact", () => {
    expect(variablesRefused({ STOREFRONT_ORIGINS: "https://shop.example.com/path" })).toEqual([
      "STOREFRONT_ORIGINS",
    ]);
  });

  it("refuses a rate-limit budget the limiter cannot hold over its window", () => {
    // 1e9 requests per 60 s is past what the limiter keeps exactly (limit × window in µs).
    expect(variablesRefused({ RATE_LIMIT_PER_USER: "1000000000" })).toEqual([
      "RATE_LIMIT_PER_USER",
    ]);
    expect(
      variablesRefused({ RATE_LIMIT_PER_USER: "1000000", RATE_LIMIT_WINDOW_SECONDS: "86400" }),
    ).toEqual(["RATE_LIMIT_PER_USER"]);
    expect(loadConfig({ RATE_LIMIT_PER_USER: "100000000" }).rateLimits.perUser.limit).toBe(1e8);
  });

  it("starts in production when everything is configured", () => {
    const config = loadConfig({
      NODE_ENV: "production",
      CLERK_JWT_KEY: publicPem,
      CLERK_ISSUER: "https://clerk.shop.example",
      CLERK_AUTHORIZED_PARTIES: "https://shop.example",
      REDIS_URL: "redis://redis:6379",
      GATEWAY_IDENTITY_PRIVATE_KEY: privatePem,
      CLERK_SUPERADMIN_ORG_ID: "org_2pX7admins",
    });
    expect(config.nodeEnv).toBe("production");
  });
});
