import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  exitWithStartupError,
  loadOrCreateDevKeyPair,
  subgraphFolderOf,
  subgraphUrlVariableOf,
} from "@rampart/kit";
import {
  createMemoryStores,
  serveSharedMemoryStores,
  type SharedMemoryStoreServer,
} from "@rampart/kit/stores";
import {
  loadConfig,
  subgraphNames,
  type GatewayConfig,
  healthUrlOf,
  repositoryRoot,
} from "@rampart/gateway";
import { logFormatterFor, pipeLogLines } from "./log-lines";

// `npm start`: runs the subgraphs (the list in @rampart/kit) and the gateway as child processes, each on its own
// port, and stops them all on Ctrl-C (SIGINT/SIGTERM) or when any of them dies. On a terminal
// their logs are shown one readable line per event behind the service's name; otherwise
// their JSON lines pass through untouched.

const children = new Map<string, ChildProcess>();
let stopping = false;
let storeServer: SharedMemoryStoreServer | undefined;
const formatLogs = logFormatterFor(process.stdout);

function launch(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [script], {
    stdio: formatLogs ? ["inherit", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...env },
  });
  if (formatLogs && child.stdout && child.stderr) {
    pipeLogLines(name, child.stdout, process.stdout, formatLogs);
    pipeLogLines(name, child.stderr, process.stderr, formatLogs);
  }
  children.set(name, child);
  child.on("exit", (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping the platform\n`);
      void stopAll(1);
    } else if (children.size === 0) {
      void exit(Number(process.exitCode ?? 0));
    }
  });
  return child;
}

async function exit(code: number): Promise<never> {
  await storeServer?.close();
  process.exit(code);
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  for (const child of children.values()) child.kill("SIGTERM");
  if (children.size === 0) await exit(exitCode);
  setTimeout(() => {
    for (const child of children.values()) child.kill("SIGKILL");
    process.exit(1);
  }, 15_000).unref();
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not become healthy within ${timeoutMs / 1000} s`);
}

async function startPlatform(config: GatewayConfig): Promise<void> {
  // Generate development keys once, before several processes race to read them.
  if (!config.identityPrivateKeyPem) loadOrCreateDevKeyPair(config.dataDir, "identity-ed25519");
  if (config.tokenVerification.kind === "dev-issuer") {
    loadOrCreateDevKeyPair(config.dataDir, "dev-issuer-rsa");
  }
  // Without Redis, every process shares the launcher's in-memory stores over a Unix socket.
  const shared: NodeJS.ProcessEnv = {};
  if (!config.redisUrl) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    const socketPath = path.join(config.dataDir, "stores.sock");
    storeServer = await serveSharedMemoryStores(createMemoryStores(), socketPath);
    shared.RAMPART_STORE_SOCKET = storeServer.socketPath;
  }

  // The security subgraph's systemHealth checks every subgraph where the launcher put it.
  const subgraphUrls = Object.fromEntries(
    subgraphNames.map((name) => [subgraphUrlVariableOf(name), config.subgraphUrls[name]]),
  );
  await Promise.all(
    subgraphNames.map(async (name) => {
      const url = new URL(config.subgraphUrls[name]);
      launch(name, path.join(repositoryRoot, subgraphFolderOf(name), "dist", "main.js"), {
        ...shared,
        ...(name === "security" ? subgraphUrls : {}),
        PORT: url.port,
        HOST: url.hostname,
      });
      await waitHealthy(healthUrlOf(url.toString()), 60_000);
    }),
  );
  // Both profiles accept the same tokens: the development issuer names the main profile.
  const gateways = { ...shared, CLERK_AUTHORIZED_PARTIES: config.authorizedParties.join(",") };
  const gatewayScript = path.join(repositoryRoot, "gateway", "dist", "main.js");
  launch("gateway (main)", gatewayScript, {
    ...gateways,
    GATEWAY_PROFILE: "main",
    PORT: String(config.port),
  });
  launch("gateway (admin)", gatewayScript, {
    ...gateways,
    GATEWAY_PROFILE: "admin",
    PORT: String(config.adminPort),
  });
  await Promise.all([
    waitHealthy(`http://${config.host}:${config.port}/health`, 30_000),
    waitHealthy(`http://${config.host}:${config.adminPort}/health`, 30_000),
  ]);
  process.stdout.write(
    [
      "",
      `Rampart is up: http://${config.host}:${config.port}/graphql (storefronts, main profile)`,
      `               http://${config.host}:${config.adminPort}/graphql (admin profile)`,
      `               ws://${config.host}:${config.adminPort}/graphql (admin subscriptions, graphql-ws)`,
      `Admin dashboard:          http://${config.host}:${config.adminPort}/ (development sign-in)`,
      ...(config.playground === "open"
        ? [
            `GraphQL playground:       http://${config.host}:${config.port}/graphiql/ and http://${config.host}:${config.adminPort}/graphiql/`,
          ]
        : []),
      "Get a development token:  npm run --silent dev-token -- --user user_demo_alice --org org_demo_acme --role admin",
      "Try the example query:    docs/examples/cross-subgraph.graphql (see README.md)",
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
}

let config: GatewayConfig;
try {
  config = loadConfig();
} catch (error) {
  exitWithStartupError("rampart", error);
}
process.once("SIGINT", () => void stopAll(0));
process.once("SIGTERM", () => void stopAll(0));
startPlatform(config).catch((error: unknown) => {
  process.stderr.write(`rampart: ${(error as Error).message}\n`);
  void stopAll(1);
});
