import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SessionStore } from "@rampart/kit";
import { createRedisStores, openDatabase, type Database, type Stores } from "@rampart/kit/stores";
import {
  createTestDatabase,
  testServices,
  uniqueName,
  type TestDatabase,
} from "@rampart/kit/testing";
import { IpAllowlistEntry, migrations } from "@rampart/security";

// The built CLIs as an operator runs them (`npm run rampart -- ...`), against real Redis and
// PostgreSQL: exit codes, what goes to stdout and stderr, and the change in the stores.

const root = path.resolve(__dirname, "..", "..", "..");
const rampartScript = path.join(root, "tools", "dist", "rampart.js");
const devTokenScript = path.join(root, "tools", "dist", "dev-token.js");
const { redisUrl, databaseUrl } = testServices();
const describeWithServices = redisUrl && databaseUrl ? describe : describe.skip;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): Run {
  const result = spawnSync(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "warn", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const noStackTrace = (run: Run) => expect(run.stderr).not.toMatch(/\n\s+at /);

it("is built (npm test builds first)", () => {
  expect(fs.existsSync(rampartScript)).toBe(true);
});

describe("rampart usage", () => {
  const rampart = (...args: string[]) => runScript(rampartScript, args, {});

  it("--help and help <command> print usage to stdout and exit 0", () => {
    const help = rampart("--help");
    expect(help).toMatchObject({ code: 0, stderr: "" });
    for (const command of [
      "lockdown on",
      "audit verify",
      "allowlist add <ipRange>",
      "sessions revoke-user <userId>",
      "sessions revoke-all",
      "events tail",
    ]) {
      expect(help.stdout).toContain(command);
    }
    const one = rampart("help", "lockdown", "on");
    expect(one).toMatchObject({ code: 0, stderr: "" });
    expect(one.stdout).toContain("--reason");
    expect(rampart("lockdown", "on", "--help").code).toBe(0);
    expect(rampart("help", "sessions").stdout).toContain("revoke-all");
  });

  it.each([
    [["--bogus"], "unknown option '--bogus'"],
    [["frobnicate"], 'unknown command "frobnicate"'],
    [[], "a command is required"],
    [["lockdown"], "lockdown needs one of: on, off, status"],
    [["sessions", "revoke"], "sessions needs one of: revoke-user, revoke-all"],
    [["help", "nothing"], 'no command "nothing"'],
    [["lockdown", "status", "--verbose"], "Unknown option '--verbose'"],
  ])("%j prints the problem and usage to stderr and exits 2", (args, problem) => {
    const run = rampart(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(problem);
    expect(run.stderr).toContain("usage: rampart");
    noStackTrace(run);
  });

  it("lockdown on without --reason says so first, before reaching any store", () => {
    // No REDIS_URL and no running platform: the missing reason is still the problem named.
    const run = runScript(rampartScript, ["lockdown", "on"], {
      RAMPART_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "rampart-cli-")),
    });
    expect(run).toMatchObject({ code: 2, stdout: "" });
    expect(run.stderr).toBe('rampart lockdown on: --reason "<why>" is required\n');
  });

  it("a store that does not answer fails the command in one line, exit 1", () => {
    const run = runScript(rampartScript, ["lockdown", "status"], {
      REDIS_URL: "redis://127.0.0.1:1",
    });
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(run.stderr).toMatch(/^rampart lockdown status: .+\n$/);
    noStackTrace(run);
  });

  it("sessions revoke-user without a user id exits 2", () => {
    const run = rampart("sessions", "revoke-user");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("<userId> is missing");
    noStackTrace(run);
  });
});

describe("dev-token usage", () => {
  const devToken = (...args: string[]) => runScript(devTokenScript, args, {});

  it("--help prints usage and exits 0", () => {
    const run = devToken("--help");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("--user");
  });

  it.each([
    [["--usr", "x"], "Unknown option '--usr'"],
    [["--org", "org_x"], "--user <id> is required"],
    [["--user", "u", "--ttl", "soon"], "--ttl must be a positive number of seconds"],
  ])("%j names the problem in one line, no stack trace, and exits 2", (args, problem) => {
    const run = devToken(...args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.split("\n")[0]).toBe(`dev-token: ${problem}`);
    noStackTrace(run);
  });
});

describeWithServices("rampart against Redis and PostgreSQL", () => {
  const keyPrefix = `${uniqueName("cli")}:`;
  let stores: Stores;
  let database: TestDatabase;
  let security: Database;
  const env = () => ({
    REDIS_URL: redisUrl as string,
    REDIS_KEY_PREFIX: keyPrefix,
    DATABASE_URL: database.url,
  });
  const rampart = (...args: string[]) => runScript(rampartScript, args, env());

  beforeAll(async () => {
    stores = createRedisStores({ url: redisUrl as string, keyPrefix });
    database = await createTestDatabase(databaseUrl as string);
    security = await openDatabase({
      schema: "security",
      entities: [IpAllowlistEntry],
      migrations,
      databaseUrl: database.url,
    });
  });
  afterAll(async () => {
    await security?.close();
    await stores?.close();
    await database?.drop();
  });

  it("lockdown on, status, off change the switch", () => {
    const on = rampart("lockdown", "on", "--reason", "cli test");
    expect(on).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(on.stdout)).toMatchObject({ active: true, reason: "cli test" });
    expect(JSON.parse(rampart("lockdown", "status").stdout)).toMatchObject({ active: true });
    expect(rampart("lockdown", "off", "--reason", "over").code).toBe(0);
    expect(JSON.parse(rampart("lockdown", "status").stdout)).toMatchObject({ active: false });
  });

  it("sessions revoke-user ends that user's sessions only", async () => {
    const sessions = new SessionStore(stores);
    const request = { ip: "203.0.113.9", userAgent: null };
    const startedAt = (await stores.time()) - 5_000;
    for (const [sessionId, userId] of [
      ["sess_cli_a", "user_cli_a"],
      ["sess_cli_b", "user_cli_b"],
    ]) {
      await sessions.resume({ sessionId, userId, organizationId: null }, request, startedAt);
    }
    const run = rampart("sessions", "revoke-user", "user_cli_a");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain("user_cli_a");
    expect(await sessions.isUsable("sess_cli_a", "user_cli_a")).toBe(false);
    expect(await sessions.isUsable("sess_cli_b", "user_cli_b")).toBe(true);

    expect(rampart("sessions", "revoke-all").code).toBe(0);
    expect(await sessions.isUsable("sess_cli_b", "user_cli_b")).toBe(false);
  });

  it("events tail prints the operator's actions as JSON lines", () => {
    const run = rampart("events", "tail", "--since", "600");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const types = run.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { type: string; actorId: string }).type);
    expect(types).toEqual(expect.arrayContaining(["lockdown.activated", "session.revoked_all"]));
    expect(rampart("events", "tail", "--since", "soon").code).toBe(2);
  });

  it("allowlist add, list, remove change what every gateway reads", async () => {
    const added = rampart("allowlist", "add", "198.51.100.0/24", "--description", "vpn");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const [id, range, scope] = added.stdout.trim().split("\t");
    expect([range, scope]).toEqual(["198.51.100.0/24", "global"]);
    expect(await security.orm.em.fork().count(IpAllowlistEntry, { id })).toBe(1);

    const listed = rampart("allowlist", "list");
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect(listed.stdout).toContain(`${id}\t198.51.100.0/24\tglobal\tnever`);

    const refused = rampart("allowlist", "add", "0.0.0.0/0", "--description", "all");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("turns the allowlist off");
    noStackTrace(refused);
    expect(rampart("allowlist", "add", "198.51.100.0/24").stderr).toContain("--description");

    expect(rampart("allowlist", "remove", id)).toMatchObject({ code: 0, stderr: "" });
    expect(rampart("allowlist", "list").stdout).not.toContain(id);
    expect(rampart("allowlist", "remove", id).code).toBe(2);
  });
});
