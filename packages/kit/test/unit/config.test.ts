import { ConfigError, parseConfig, parseSubgraphConfig, env } from "../../src";

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
    const problems = problemsOf(() => parseSubgraphConfig(4002, { NODE_ENV: "production" }));
    expect(problems.map((p) => p.variable).sort()).toEqual([
      "DATABASE_URL",
      "GATEWAY_IDENTITY_PUBLIC_KEY",
      "REDIS_URL",
    ]);
  });

  it("refuses a key that is not a PEM public key", () => {
    const problems = problemsOf(() =>
      parseSubgraphConfig(4002, { GATEWAY_IDENTITY_PUBLIC_KEY: "changeme" }),
    );
    expect(problems[0].variable).toBe("GATEWAY_IDENTITY_PUBLIC_KEY");
  });
});
