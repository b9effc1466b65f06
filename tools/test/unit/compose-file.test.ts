import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "@rampart/kit";
import { parseSubgraphConfig } from "@rampart/kit/subgraph";
import { loadConfig } from "@rampart/gateway";
import { envFileValues } from "../../src/cli/env-file";
import { generatedSecretNames, retiredSecretsIn, writeSecrets } from "../../src/cli/secrets";
import {
  completedEnv,
  composePath,
  envExample,
  envExamplePath,
  interpolate,
  loadCompose,
  publishedPorts,
  referencedVariables,
  repositoryRoot,
  RequiredVariableError,
  serviceEnvironment,
  withoutComments,
} from "../support/compose";

// docker-compose.yml as `docker compose config` resolves it with nothing but
// `cp .env.example .env`, and then with `rampart secrets --write .env`: what each service gets.

const composeText = fs.readFileSync(composePath, "utf8");
const subgraphs = ["security", "commerce", "notifications", "fulfillment"] as const;
const gateways = ["gateway", "gateway-admin"] as const;

describe("compose interpolation (the compose specification's rules)", () => {
  const env = { SET: "value", EMPTY: "" };
  it.each([
    ["${SET}", "value"],
    ["$SET/x", "value/x"],
    ["$$SET", "$SET"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${UNSET-fallback}", "fallback"],
    ["${UNSET:-${SET}}", "value"],
    ["${SET:+other}", "other"],
    ["${EMPTY:+other}", ""],
    ["${UNSET}", ""],
  ])("%s → %s", (input, expected) => {
    expect(interpolate(input, env)).toBe(expected);
  });

  it("refuses ${NAME:?} when the value is missing or empty, as compose does for every command", () => {
    expect(() => interpolate("${EMPTY:?set it}", env)).toThrow(RequiredVariableError);
    expect(() => interpolate("${UNSET?set it}", env)).toThrow(RequiredVariableError);
    expect(interpolate("${EMPTY?set it}", env)).toBe("");
  });
});

describe("docker-compose.yml with just `cp .env.example .env`", () => {
  it("uses no required-variable form (${NAME:?...}), which breaks even `docker compose down`", () => {
    expect(withoutComments(composeText)).not.toMatch(/\$\{[A-Za-z_][A-Za-z0-9_]*:?\?/);
  });

  it("resolves with .env.example alone", () => {
    expect(() => loadCompose(envExample())).not.toThrow();
  });

  it("reads only variables that .env.example lists, and .env.example lists nothing unused", () => {
    const example = Object.keys(envExample()).sort();
    expect(referencedVariables(composeText)).toEqual(example);
  });

  it("publishes every port on 127.0.0.1 only, in every profile", () => {
    const { services } = loadCompose(envExample());
    const published = Object.entries(services).flatMap(([name, service]) =>
      publishedPorts(service).map((port) => ({ name, ...port })),
    );
    expect(published.map((port) => port.name).sort()).toEqual(
      ["gateway", "gateway-admin", "postgres-dev", "redis-dev"].sort(),
    );
    for (const port of published) expect(port).toMatchObject({ hostIp: "127.0.0.1" });
  });

  it("gives every service a health check of its own", () => {
    const { services } = loadCompose(envExample());
    for (const [name, service] of Object.entries(services)) {
      expect({ name, test: service.healthcheck?.test }).toEqual({
        name,
        test: expect.arrayContaining([expect.any(String)]),
      });
      expect(service.healthcheck?.disable).not.toBe(true);
    }
  });

  it("publishes PostgreSQL and Redis only in the dev profile", () => {
    const { services } = loadCompose(envExample());
    for (const [name, service] of Object.entries(services)) {
      if (publishedPorts(service).length === 0 || gateways.includes(name as never)) continue;
      expect({ name, profiles: service.profiles }).toEqual({ name, profiles: ["dev"] });
    }
    expect(publishedPorts(services.postgres)).toEqual([]);
    expect(publishedPorts(services.redis)).toEqual([]);
  });

  it("sets no default password anywhere (a missing one stays empty and is refused)", () => {
    expect(composeText).not.toMatch(/PASSWORD:-[^}]/);
    const example = envExample();
    for (const name of generatedSecretNames)
      expect({ name, value: example[name] }).toEqual({ name, value: "" });
  });

  it("connects each subgraph to PostgreSQL as its own role, never the superuser", () => {
    const { services } = loadCompose(completedEnv());
    for (const name of subgraphs) {
      const url = new URL(serviceEnvironment(services[name]).DATABASE_URL);
      expect({ name, user: url.username }).toEqual({ name, user: `rampart_${name}` });
      expect(url.password.length).toBeGreaterThanOrEqual(16);
    }
    expect(services.postgres.volumes).toContain(
      "./compose/postgres/initdb:/docker-entrypoint-initdb.d:ro",
    );
  });

  it("connects each service to Redis as its own ACL user; Redis starts from the ACL file", () => {
    const env = completedEnv();
    const { services } = loadCompose(env);
    const userOf = (service: string) => {
      const url = new URL(serviceEnvironment(services[service]).REDIS_URL);
      return { service, user: url.username, password: decodeURIComponent(url.password) };
    };
    for (const name of gateways)
      expect(userOf(name)).toEqual({
        service: name,
        user: "gateway",
        password: env.REDIS_GATEWAY_PASSWORD,
      });
    for (const name of subgraphs)
      expect(userOf(name)).toEqual({
        service: name,
        user: name,
        password: env[`REDIS_${name.toUpperCase()}_PASSWORD`],
      });
    expect(services.redis.entrypoint).toEqual([
      "/bin/sh",
      "/rampart/write-acl.sh",
      "/tmp/users.acl",
      "docker-entrypoint.sh",
    ]);
    expect(services.redis.command).toEqual(expect.arrayContaining(["--aclfile", "/tmp/users.acl"]));
  });

  it("explains next to ADMIN_IP_ALLOWLIST that a host browser arrives from the bridge address", () => {
    const comment = composeText.slice(
      0,
      composeText.indexOf("ADMIN_IP_ALLOWLIST: ${ADMIN_IP_ALLOWLIST:-}\n      TRUSTED"),
    );
    expect(comment).toMatch(/bridge address[\s\S]*172\.30\.40\.1\/32[\s\S]*ADMIN_IP_ALLOWLIST/);
    expect(loadCompose(envExample()).networks).toEqual({
      default: { ipam: { config: [{ subnet: "172.30.40.0/24" }] } },
    });
  });
});

describe("the services refuse to start without their secrets (not compose)", () => {
  const problemsOf = (parse: () => unknown): string[] => {
    try {
      parse();
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.map((problem) => problem.variable);
      throw error;
    }
    return [];
  };

  it("with .env.example alone, each names what is missing", () => {
    const { services } = loadCompose(envExample());
    for (const name of subgraphs) {
      const problems = problemsOf(() =>
        parseSubgraphConfig(4001, serviceEnvironment(services[name])),
      );
      expect({ name, problems }).toEqual({
        name,
        problems: expect.arrayContaining(["GATEWAY_IDENTITY_PUBLIC_KEY"]),
      });
    }
    for (const name of gateways) {
      const problems = problemsOf(() => loadConfig(serviceEnvironment(services[name])));
      expect({ name, problems }).toEqual({
        name,
        problems: expect.arrayContaining(["GATEWAY_IDENTITY_PRIVATE_KEY", "CLERK_JWT_KEY"]),
      });
    }
  });

  it("with the generated secrets and the operator's values, every configuration parses", () => {
    const { services } = loadCompose(completedEnv());
    for (const name of subgraphs) {
      expect(
        problemsOf(() => parseSubgraphConfig(4001, serviceEnvironment(services[name]))),
      ).toEqual([]);
    }
    for (const name of gateways) {
      expect(problemsOf(() => loadConfig(serviceEnvironment(services[name])))).toEqual([]);
    }
  });
});

describe("rampart secrets --write", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-secrets-"));
    file = path.join(dir, ".env");
    fs.copyFileSync(envExamplePath, file);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("fills every empty generated value, owner-readable only, with a matching Ed25519 pair", () => {
    expect(writeSecrets(file).sort()).toEqual([...generatedSecretNames].sort());
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const values = envFileValues(fs.readFileSync(file, "utf8"));
    for (const name of generatedSecretNames) expect(values[name].length).toBeGreaterThanOrEqual(32);
    const passwords = generatedSecretNames.filter((name) => name.endsWith("_PASSWORD"));
    expect(new Set(passwords.map((name) => values[name])).size).toBe(passwords.length);
    for (const name of passwords) expect(values[name]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(values.TWO_FACTOR_ENCRYPTION_KEY, "base64")).toHaveLength(32);
    const pem = (name: string) => values[name].replace(/\\n/g, "\n");
    const privateKey = createPrivateKey(pem("GATEWAY_IDENTITY_PRIVATE_KEY"));
    expect(privateKey.asymmetricKeyType).toBe("ed25519");
    const signature = sign(null, Buffer.from("assertion"), privateKey);
    expect(
      verify(
        null,
        Buffer.from("assertion"),
        createPublicKey(pem("GATEWAY_IDENTITY_PUBLIC_KEY")),
        signature,
      ),
    ).toBe(true);
  });

  it("keeps the values already set, and fills nothing on a second run", () => {
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace("POSTGRES_PASSWORD=\n", "POSTGRES_PASSWORD=kept-by-the-operator-1\n"),
    );
    expect(writeSecrets(file)).not.toContain("POSTGRES_PASSWORD");
    const first = fs.readFileSync(file, "utf8");
    expect(envFileValues(first).POSTGRES_PASSWORD).toBe("kept-by-the-operator-1");
    expect(writeSecrets(file)).toEqual([]);
    expect(fs.readFileSync(file, "utf8")).toBe(first);
  });

  it("refuses to pair a new half with a key already there", () => {
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, "utf8")
        .replace("GATEWAY_IDENTITY_PUBLIC_KEY=\n", "GATEWAY_IDENTITY_PUBLIC_KEY='x'\n"),
    );
    expect(() => writeSecrets(file)).toThrow(/only one half of the identity key pair/);
  });

  it("prints only the names it filled from the built CLI, never a value", () => {
    const script = path.join(repositoryRoot, "tools", "dist", "rampart.js");
    const out = execFileSync(process.execPath, [script, "secrets", "--write", file], {
      encoding: "utf8",
    });
    const values = envFileValues(fs.readFileSync(file, "utf8"));
    expect(out).toContain("POSTGRES_PASSWORD");
    for (const name of generatedSecretNames) expect(out).not.toContain(values[name]);
  });

  it("upgrades a .env of the shared subgraphs Redis user: adds each service's, names the old one", () => {
    const redisUsers = ["SECURITY", "COMMERCE", "NOTIFICATIONS", "FULFILLMENT", "RAMPART"];
    const previous = fs
      .readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => !redisUsers.some((user) => line.startsWith(`REDIS_${user}_PASSWORD=`)))
      .join("\n")
      .replace(
        "REDIS_GATEWAY_PASSWORD=\n",
        "REDIS_GATEWAY_PASSWORD=kept-gateway-password-1\nREDIS_SUBGRAPHS_PASSWORD=old-subgraphs-password\n",
      );
    fs.writeFileSync(file, previous);
    expect(retiredSecretsIn(previous)).toEqual(["REDIS_SUBGRAPHS_PASSWORD"]);
    const script = path.join(repositoryRoot, "tools", "dist", "rampart.js");
    const out = execFileSync(process.execPath, [script, "secrets", "--write", file], {
      encoding: "utf8",
    });
    const values = envFileValues(fs.readFileSync(file, "utf8"));
    expect(values.REDIS_GATEWAY_PASSWORD).toBe("kept-gateway-password-1");
    for (const user of redisUsers) expect(values[`REDIS_${user}_PASSWORD`]).toMatch(/^.{32}$/);
    expect(out).toContain("REDIS_SUBGRAPHS_PASSWORD in ");
    expect(out).toContain("is no longer used: remove it");
    expect(out).not.toContain("old-subgraphs-password");
  });
});
