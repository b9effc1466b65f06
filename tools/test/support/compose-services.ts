// PostgreSQL and Redis started the way docker-compose.yml starts them, on this machine's own
// binaries: the postgres service's init script on a fresh cluster that requires passwords, and
// redis-server from the ACL file that compose/redis/write-acl.sh writes. Each on a free port.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  freePort,
  startPrivatePostgres,
  withPostgres,
  type PrivateService,
} from "@rampart/kit/testing";
import { loadCompose, repositoryRoot, serviceEnvironment } from "./compose";

/** The init script mounted into postgres's /docker-entrypoint-initdb.d. */
export const postgresInitScript = path.join(
  repositoryRoot,
  "compose",
  "postgres",
  "initdb",
  "10-rampart-roles.sh",
);
/** The script the redis service runs before redis-server. */
export const redisAclScript = path.join(repositoryRoot, "compose", "redis", "write-acl.sh");

/** What a script printed and how it ended. */
export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A PostgreSQL cluster of the test's own, with the `rampart` database compose creates. */
export interface ComposePostgres {
  /** The cluster (superuser URL, password required over TCP). */
  readonly server: PrivateService;
  /** `postgres://...@127.0.0.1:<port>/rampart` as the superuser. */
  readonly superuserUrl: string;
  /** `url` with `postgres:5432` (the compose host) replaced by this server. */
  local(url: string): string;
  /** Runs the init script with `environment` (the postgres service's), as the image does. */
  runInitScript(environment: Record<string, string>): ScriptRun;
  /** Stops the cluster and removes its files. */
  remove(): Promise<void>;
}

/** Starts a fresh cluster and creates the `rampart` database (POSTGRES_DB). */
export async function startComposePostgres(): Promise<ComposePostgres> {
  const server = await startPrivatePostgres({ passwordAuth: true });
  await withPostgres(server.url, (client) => client.query("create database rampart"));
  const base = new URL(server.url);
  const superuserUrl = Object.assign(new URL(server.url), { pathname: "/rampart" }).toString();
  return {
    server,
    superuserUrl,
    local(url) {
      const parsed = new URL(url);
      parsed.hostname = base.hostname;
      parsed.port = base.port;
      return parsed.toString();
    },
    runInitScript(environment) {
      // The image runs it with psql on its local socket as POSTGRES_USER; here psql goes over
      // TCP with the superuser's password.
      const result = spawnSync("sh", [postgresInitScript], {
        env: {
          PATH: process.env.PATH,
          ...environment,
          PGHOST: base.hostname,
          PGPORT: base.port,
          PGPASSWORD: decodeURIComponent(base.password),
        },
        encoding: "utf8",
        timeout: 30_000,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    remove: () => server.remove(),
  };
}

/** The environment compose gives a service, from an env file's values. */
export function composeEnvironment(
  env: Record<string, string>,
  service: string,
): Record<string, string> {
  return serviceEnvironment(loadCompose(env).services[service]);
}

/** A redis-server started from the ACL file the redis service writes. */
export interface ComposeRedis {
  readonly port: number;
  /** `url` with `redis:6379` (the compose host) replaced by this server. */
  local(url: string): string;
  /** The ACL file as written (hashed passwords). */
  readonly aclText: string;
  stop(): Promise<void>;
}

/** Runs compose/redis/write-acl.sh with `environment` and writes to `aclFile`. */
export function writeAcl(environment: Record<string, string>, aclFile: string): ScriptRun {
  const result = spawnSync("sh", [redisAclScript, aclFile], {
    env: { PATH: process.env.PATH, ...environment },
    encoding: "utf8",
    timeout: 10_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes the ACL from the redis service's `environment` and starts redis-server on it. */
export async function startComposeRedis(
  environment: Record<string, string>,
): Promise<ComposeRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-redis-acl-"));
  const aclFile = path.join(dir, "users.acl");
  const written = writeAcl(environment, aclFile);
  if (written.status !== 0) throw new Error(`write-acl.sh failed: ${written.stderr}`);
  const port = await freePort();
  const server: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--aclfile",
      aclFile,
    ],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ping = spawnSync(
      "redis-cli",
      [
        "-p",
        String(port),
        "--user",
        "healthcheck",
        "--pass",
        "healthcheck",
        "--no-auth-warning",
        "ping",
      ],
      { encoding: "utf8" },
    );
    if (ping.stdout.trim() === "PONG") break;
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill("SIGKILL");
      throw new Error(`redis-server did not start on ${port} with ${aclFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    aclText: fs.readFileSync(aclFile, "utf8"),
    local(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** redis-cli's answer to one command, as `user` (no user: unauthenticated). */
export function redisCli(
  port: number,
  user: { name: string; password: string } | null,
  ...command: string[]
): string {
  const auth = user ? ["--user", user.name, "--pass", user.password, "--no-auth-warning"] : [];
  return execFileSync("redis-cli", ["-p", String(port), ...auth, ...command], {
    encoding: "utf8",
  }).trim();
}
