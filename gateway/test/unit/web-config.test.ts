import { generateKeyPairSync } from "node:crypto";
import { ConfigError } from "@rampart/kit";
import { loadConfig } from "../../src/config";
import { devSignInAvailable } from "../../src/web";

const production = {
  NODE_ENV: "production",
  CLERK_JWT_KEY: generateKeyPairSync("rsa", { modulusLength: 2048 })
    .publicKey.export({ type: "spki", format: "pem" })
    .toString(),
  CLERK_ISSUER: "https://clerk.shop.example",
  CLERK_AUTHORIZED_PARTIES: "https://shop.example",
  REDIS_URL: "redis://redis:6379",
  GATEWAY_IDENTITY_PRIVATE_KEY: generateKeyPairSync("ed25519")
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString(),
  CLERK_SUPERADMIN_ORG_ID: "org_2pX7admins",
};

const refused = (environment: Record<string, string>) => {
  try {
    loadConfig(environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.variable}: ${p.message}`);
  }
  throw new Error("configuration was accepted");
};

describe("PLAYGROUND and development sign-in in the gateway's configuration", () => {
  it("opens the playground in development and keeps it off in production by default", () => {
    expect(loadConfig({}).playground).toBe("open");
    expect(loadConfig(production).playground).toBe("off");
    expect(loadConfig({ ...production, PLAYGROUND: "superadmin" }).playground).toBe("superadmin");
  });

  it("refuses PLAYGROUND=open in production", () => {
    expect(refused({ ...production, PLAYGROUND: "open" })).toEqual([
      expect.stringMatching(/^PLAYGROUND: open is refused in production/),
    ]);
  });

  it("refuses PLAYGROUND=superadmin in production without introspection for superadmins", () => {
    expect(refused({ ...production, PLAYGROUND: "superadmin", INTROSPECTION: "off" })).toEqual([
      expect.stringMatching(/^PLAYGROUND: superadmin loads the schema by introspection/),
    ]);
  });

  // Regression: PLAYGROUND defaulted to open outside production even with INTROSPECTION=off, so
  // the page was served and handed out the API schema that the setting hides.
  it("follows INTROSPECTION by default: off when introspection is off, in development too", () => {
    expect(loadConfig({ INTROSPECTION: "off" }).playground).toBe("off");
    expect(loadConfig({ GATEWAY_PROFILE: "admin", INTROSPECTION: "off" }).playground).toBe("off");
    expect(loadConfig({ INTROSPECTION: "superadmin" }).playground).toBe("open");
    expect(loadConfig({ INTROSPECTION: "everyone" }).playground).toBe("open");
    expect(loadConfig({ ...production, INTROSPECTION: "off" }).playground).toBe("off");
  });

  it("refuses at start a PLAYGROUND that cannot work with INTROSPECTION, in development too", () => {
    expect(refused({ PLAYGROUND: "open", INTROSPECTION: "off" })).toEqual([
      expect.stringMatching(/^PLAYGROUND: open hands out the API schema that INTROSPECTION=off/),
    ]);
    for (const introspection of ["off", "everyone"]) {
      expect(
        refused({
          GATEWAY_PROFILE: "admin",
          PLAYGROUND: "superadmin",
          INTROSPECTION: introspection,
        }),
      ).toEqual([
        expect.stringMatching(/^PLAYGROUND: superadmin loads the schema by introspection/),
      ]);
    }
    expect(loadConfig({ PLAYGROUND: "off", INTROSPECTION: "off" }).playground).toBe("off");
    expect(loadConfig({ GATEWAY_PROFILE: "admin", PLAYGROUND: "superadmin" }).playground).toBe(
      "superadmin",
    );
  });

  it("refuses an unknown PLAYGROUND value, naming the variable", () => {
    expect(refused({ PLAYGROUND: "everyone" })).toEqual([expect.stringMatching(/^PLAYGROUND/)]);
  });

  it("offers development sign-in only with the development issuer, never in production", () => {
    expect(devSignInAvailable(loadConfig({ GATEWAY_PROFILE: "admin" }))).toBe(true);
    expect(devSignInAvailable(loadConfig({ ...production, GATEWAY_PROFILE: "admin" }))).toBe(false);
    expect(
      devSignInAvailable({ nodeEnv: "production", tokenVerification: { kind: "dev-issuer" } }),
    ).toBe(false);
  });

  it("accepts 127.0.0.1 as well as localhost as the dashboard's origin in development", () => {
    expect(loadConfig({ GATEWAY_PROFILE: "admin" }).allowedOrigins).toEqual(
      expect.arrayContaining(["http://localhost:4400", "http://127.0.0.1:4400"]),
    );
  });
});
