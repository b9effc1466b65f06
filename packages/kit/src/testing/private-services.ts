import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./processes";

/**
 * A PostgreSQL or Redis server of one test's own, which the test may stop and start again (a
 * fault test must not stop the servers other suites share).
 */
export interface PrivateService {
  /** Connection URL (stable across restarts: same port, same data). */
  readonly url: string;
  /** Stops the server abruptly (SIGKILL for Redis, immediate shutdown for PostgreSQL). */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
}

/** Where Debian and the PGDG packages put PostgreSQL's server binaries. */
function postgresBin(name: string): string {
  const onPath = ["/usr/local/bin", "/usr/bin"].map((dir) => path.join(dir, name));
  const versioned = fs.existsSync("/usr/lib/postgresql")
    ? fs
        .readdirSync("/usr/lib/postgresql")
        .sort()
        .reverse()
        .map((version) => path.join("/usr/lib/postgresql", version, "bin", name))
    : [];
  const found = [...onPath, ...versioned].find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`${name} not found: install PostgreSQL's server package`);
  return found;
}

/** PostgreSQL refuses to run as root: run its tools as `postgres` then. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
}

/** Options for {@link startPrivatePostgres}. */
export interface PrivatePostgresOptions {
  /**
   * Require passwords over TCP (scram-sha-256), as a deployed server does; the URL then carries
   * the superuser's generated password. Default false: trust.
   */
  passwordAuth?: boolean;
}

/** Starts a private PostgreSQL cluster (trust auth unless told, database `postgres`) on a free port. */
export async function startPrivatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivateService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-pg-"));
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
  const data = path.join(dir, "data");
  const port = await freePort();
  const run = (tool: string, args: string[]) => {
    const [command, argv] = asPostgres(postgresBin(tool), args);
    execFileSync(command, argv, { stdio: "ignore" });
  };
  const password = options.passwordAuth ? randomBytes(18).toString("base64url") : undefined;
  const auth = ["-A", "trust"];
  if (password) {
    const passwordFile = path.join(dir, "superuser-password");
    fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o644 });
    auth.splice(
      0,
      2,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      `--pwfile=${passwordFile}`,
    );
  }
  run("initdb", ["-D", data, ...auth, "-U", "postgres", "--no-sync"]);
  const start = async () =>
    run("pg_ctl", [
      "-D",
      data,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      path.join(dir, "log"),
      "-w",
      "start",
    ]);
  const stop = async () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  await start();
  return {
    url: `postgres://postgres${password ? `:${password}` : ""}@127.0.0.1:${port}/postgres`,
    kill: stop,
    start,
    async remove() {
      await stop().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a private Redis on a free port, persisting every write (AOF, fsync always). */
export async function startPrivateRedis(): Promise<PrivateService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-redis-"));
  const port = await freePort();
  let server: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    server = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        execFileSync("redis-cli", ["-p", String(port), "ping"], { stdio: "pipe" });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  const kill = async () => {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async remove() {
      await kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
