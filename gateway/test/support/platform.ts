import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseSecurityEvent, SECURITY_EVENT_STREAM, type SecurityEvent } from "@rampart/kit";
import { connectSharedMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  createTestDatabase,
  freePort,
  startNode,
  waitForHttp,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";

const root = path.resolve(__dirname, "..", "..", "..");
/** Built entry points (npm test builds before running Jest). */
export const scripts = {
  platform: path.join(root, "tools", "dist", "start-platform.js"),
  gateway: path.join(root, "gateway", "dist", "main.js"),
  devToken: path.join(root, "tools", "dist", "dev-token.js"),
  rampart: path.join(root, "tools", "dist", "rampart.js"),
  subgraph: (name: string) => path.join(root, "subgraphs", name, "dist", "main.js"),
};

/** The whole platform (`npm start`'s launcher) on free ports, with its own data folder. */
export interface TestPlatform {
  /** Main-profile gateway GraphQL endpoint. */
  readonly url: string;
  /** Admin-profile gateway GraphQL endpoint. */
  readonly adminUrl: string;
  /** Subgraph GraphQL endpoints by name. */
  readonly subgraphUrls: Record<string, string>;
  /** Environment the platform runs with (reuse it for CLIs and extra processes). */
  readonly env: Record<string, string | undefined>;
  /** The launcher process. */
  readonly process: TestProcess;
  /** Data folder (dev keys, PGlite). */
  readonly dataDir: string;
  /** The stores the platform shares (Redis, or the launcher's shared memory); close them after use. */
  openStores(): Stores;
  /** Security events recorded so far, oldest first. */
  securityEvents(): Promise<SecurityEvent[]>;
  /** `npm run rampart -- <args>`, the break-glass CLI. */
  rampart(...args: string[]): string;
  /** `npm run dev-token` with these arguments, as a user would run it. */
  devToken(...args: string[]): string;
  /** Stops the platform and removes its database and, unless `keepData`, its data folder. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the platform; with `services` it uses that PostgreSQL server (fresh database) and Redis.
 * `settings` adds or overrides environment variables; `dataDir` starts it again on the data
 * folder (and so the Redis namespace) of a platform stopped with `keepData`.
 */
export async function startPlatform(
  services: { databaseUrl?: string; redisUrl?: string } = {},
  settings: Record<string, string> = {},
  { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-e2e-")) }: { dataDir?: string } = {},
): Promise<TestPlatform> {
  const database: TestDatabase | undefined = services.databaseUrl
    ? await createTestDatabase(services.databaseUrl)
    : undefined;
  const [gatewayPort, adminPort, ...subgraphPorts] = await Promise.all(
    [0, 1, 2, 3, 4, 5].map(() => freePort()),
  );
  const subgraphUrls = Object.fromEntries(
    ["security", "commerce", "notifications", "fulfillment"].map((name, i) => [
      name,
      `http://127.0.0.1:${subgraphPorts[i]}/graphql`,
    ]),
  );
  const env: Record<string, string | undefined> = {
    NODE_ENV: "development",
    PORT: String(gatewayPort),
    ADMIN_PORT: String(adminPort),
    RAMPART_DATA_DIR: dataDir,
    DATABASE_URL: database?.url ?? "",
    REDIS_URL: services.redisUrl ?? "",
    // Each run has a namespace of its own in a shared Redis (lockouts, sessions, events).
    REDIS_KEY_PREFIX: `${path.basename(dataDir)}:`,
    SECURITY_SUBGRAPH_URL: subgraphUrls.security,
    COMMERCE_SUBGRAPH_URL: subgraphUrls.commerce,
    NOTIFICATIONS_SUBGRAPH_URL: subgraphUrls.notifications,
    FULFILLMENT_SUBGRAPH_URL: subgraphUrls.fulfillment,
    LOG_LEVEL: "info",
    ...settings,
  };
  const launcher = startNode(scripts.platform, env);
  try {
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/health`, 120_000, 200, launcher);
    await waitForHttp(`http://127.0.0.1:${adminPort}/health`, 30_000, 200, launcher);
  } catch (error) {
    await launcher.stop();
    await database?.drop();
    throw error;
  }
  const openStores = () =>
    services.redisUrl
      ? createRedisStores({ url: services.redisUrl, keyPrefix: env.REDIS_KEY_PREFIX })
      : connectSharedMemoryStores(path.join(dataDir, "stores.sock"));
  return {
    url: `http://127.0.0.1:${gatewayPort}/graphql`,
    adminUrl: `http://127.0.0.1:${adminPort}/graphql`,
    subgraphUrls,
    env,
    process: launcher,
    dataDir,
    openStores,
    async securityEvents() {
      const stores = openStores();
      try {
        const entries = await stores.events.read(SECURITY_EVENT_STREAM, {
          after: "0",
          count: 100_000,
        });
        return entries.map((entry) => parseSecurityEvent(entry.fields));
      } finally {
        await stores.close();
      }
    },
    rampart: (...args) =>
      execFileSync(process.execPath, [scripts.rampart, ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      }).trim(),
    devToken: (...args) =>
      execFileSync(process.execPath, [scripts.devToken, ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      }).trim(),
    async stop({ keepData = false } = {}) {
      await launcher.stop();
      await database?.drop();
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
