import { generateKeyPairSync } from "node:crypto";
import { ConfigError, DEV_SUPERADMIN_ORG_ID, parseConfig, env } from "../../src";
import { parseSubgraphConfig } from "../../src/subgraph";

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("parseConfig", () => {
  it("applies defaults and returns a frozen object", () => {
    const config = parseConfig({ PORT: env.port(4001) }, {});
    expect(config.PORT).toBe(4001);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names each bad variable with how to fix it", () => {
    const problems = problemsOf(() =>
      parseConfig(
        { PORT: env.port(4001), LOG_LEVEL: env.logLevel() },
        { PORT: "http", LOG_LEVEL: "loud" },
      ),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual(["LOG_LEVEL", "PORT"]);
    expect(problems.find((p) => p.variable === "PORT")?.message).toMatch(
      /TCP port number between 0 and 65535/,
    );
  });

  it("treats an empty string as unset", () => {
    expect(parseConfig({ PORT: env.port(4001) }, { PORT: "" }).PORT).toBe(4001);
  });

  it("refuses a URL with the wrong scheme", () => {
    const problems = problemsOf(() =>
      parseConfig(
        { DATABASE_URL: env.url(["postgres"], "Set DATABASE_URL to postgres://...") },
        { DATABASE_URL: "mysql://x" },
      ),
    );
    expect(problems).toEqual([
      {
        variable: "DATABASE_URL",
        message: expect.stringMatching(/postgres URL.*Set DATABASE_URL/),
      },
    ]);
  });
});

describe("subgraph configuration", () => {
  it("uses embedded defaults in development", () => {
    const config = parseSubgraphConfig(4002, {});
    expect(config).toMatchObject({
      PORT: 4002,
      HOST: "127.0.0.1",
      SEED_DEMO_DATA: true,
      NODE_ENV: "development",
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it("refuses PGlite, in-memory stores and generated identity keys in production", () => {
    const problems = problemsOf(() =>
      parseSubgraphConfig(4002, {
        NODE_ENV: "production",
        CLERK_SUPERADMIN_ORG_ID: "org_2pX7platformAdmins",
      }),
    );
    expect(problems.map((p) => p.variable).sort()).toEqual([
      "DATABASE_URL",
      "GATEWAY_IDENTITY_PUBLIC_KEY",
      "REDIS_URL",
    ]);
  });

  describe("production defaults: one refusal each, naming the variable", () => {
    // Everything production needs; each case changes one variable.
    const production = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://rampart@db:5432/rampart",
      REDIS_URL: "redis://redis:6379",
      GATEWAY_IDENTITY_PUBLIC_KEY: generateKeyPairSync("ed25519")
        .publicKey.export({ type: "spki", format: "pem" })
        .toString(),
      CLERK_SUPERADMIN_ORG_ID: "org_2pX7platformAdmins",
    };

    it("starts with demo data off when SEED_DEMO_DATA is unset", () => {
      expect(parseSubgraphConfig(4002, production).SEED_DEMO_DATA).toBe(false);
      expect(parseSubgraphConfig(4002, { ...production, SEED_DEMO_DATA: "false" })).toMatchObject({
        SEED_DEMO_DATA: false,
        CLERK_SUPERADMIN_ORG_ID: "org_2pX7platformAdmins",
      });
    });

    it("refuses SEED_DEMO_DATA=true", () => {
      const problems = problemsOf(() =>
        parseSubgraphConfig(4002, { ...production, SEED_DEMO_DATA: "true" }),
      );
      expect(problems).toEqual([
        {
          variable: "SEED_DEMO_DATA",
          message: expect.stringMatching(/Set SEED_DEMO_DATA to false/),
        },
      ]);
    });

    it("refuses an unset CLERK_SUPERADMIN_ORG_ID, and the development organization", () => {
      const { CLERK_SUPERADMIN_ORG_ID: _unset, ...unset } = production;
      for (const environment of [
        unset,
        { ...production, CLERK_SUPERADMIN_ORG_ID: "" },
        { ...production, CLERK_SUPERADMIN_ORG_ID: DEV_SUPERADMIN_ORG_ID },
      ]) {
        expect(problemsOf(() => parseSubgraphConfig(4002, environment))).toEqual([
          {
            variable: "CLERK_SUPERADMIN_ORG_ID",
            message: expect.stringMatching(/Set CLERK_SUPERADMIN_ORG_ID to/),
          },
        ]);
      }
    });

    // The one parser of commerce, notifications, fulfillment and (under its own) security.
    it("refuses ADMIN_REQUIRE_2FA=false", () => {
      const problems = problemsOf(() =>
        parseSubgraphConfig(4002, { ...production, ADMIN_REQUIRE_2FA: "false" }),
      );
      expect(problems).toEqual([
        {
          variable: "ADMIN_REQUIRE_2FA",
          message: expect.stringMatching(/Set ADMIN_REQUIRE_2FA to true/),
        },
      ]);
    });
  });

  it("refuses a key that is not a PEM public key", () => {
    const problems = problemsOf(() =>
      parseSubgraphConfig(4002, { GATEWAY_IDENTITY_PUBLIC_KEY: "changeme" }),
    );
    expect(problems[0].variable).toBe("GATEWAY_IDENTITY_PUBLIC_KEY");
  });
});
