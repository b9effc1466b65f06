import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import {
  anonymousIdentity,
  IDENTITY_HEADER,
  SecurityLevel,
  signIdentity,
  type Identity,
} from "@rampart/kit";
import { runSubgraph, type RunningSubgraph } from "@rampart/kit/subgraph";
import { createMemoryStores, createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  dropSchema,
  freePort,
  postGraphQL,
  testIdentity,
  testServices,
  uniqueName,
  type GraphQLResult,
} from "@rampart/kit/testing";
import { parseSecurityConfig, type SecurityConfig } from "../../../src/config";
import type { SecurityServices } from "../../../src/services";
import { securitySubgraph } from "../../../src/subgraph";

/** Where the monitoring suites run: real PostgreSQL and Redis when present, and always embedded. */
export interface MonitoringSetup {
  readonly name: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
}

const { databaseUrl, redisUrl } = testServices();

/** Real PostgreSQL and Redis when the run has them, and always the embedded defaults. */
export const monitoringSetups: readonly MonitoringSetup[] = [
  ...(databaseUrl && redisUrl ? [{ name: "PostgreSQL and Redis", databaseUrl, redisUrl }] : []),
  { name: "PGlite and in-memory stores", databaseUrl: undefined, redisUrl: undefined },
];

/** The default CLERK_SUPERADMIN_ORG_ID. */
export const SUPERADMIN_ORG = "org_rampart_admin";

/** A superadmin with a verified second factor: the caller monitoring is for. */
export const superAdmin = (overrides: Partial<Identity> = {}): Identity =>
  testIdentity({
    userId: "user_monitor_root",
    organizationId: SUPERADMIN_ORG,
    role: "org:admin",
    securityLevel: SecurityLevel.SecondFactor,
    ...overrides,
  });

/** Callers every monitoring field refuses. */
export const refusedCallers: Readonly<Record<string, Identity>> = {
  anonymous: anonymousIdentity("test-request"),
  orgAdmin: testIdentity({ role: "org:admin", securityLevel: SecurityLevel.StepUp }),
  superAdminWithout2fa: superAdmin({ securityLevel: SecurityLevel.SignedIn }),
};

/** The error codes of a response, deduplicated and sorted. */
export const codesOf = (
  errors: readonly { extensions?: Record<string, unknown> }[] | undefined,
): unknown[] => [...new Set((errors ?? []).map((error) => error.extensions?.code))].sort();

/** Polls `condition` every 25 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A fake subgraph whose `/health` answers `status`, or never answers. */
export async function fakeSubgraph(
  status: number | "hang",
): Promise<{ url: string; close(): void }> {
  const server = http.createServer((_req, res) => {
    if (status === "hang") return;
    res.writeHead(status, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The real security subgraph on a free port, with the other subgraphs faked around it. */
export interface MonitoredSubgraph {
  readonly running: RunningSubgraph<SecurityConfig, SecurityServices>;
  readonly config: SecurityConfig;
  readonly stores: Stores;
  /** Its RAMPART_DATA_DIR (a fresh temporary folder). */
  readonly dataDir: string;
  /** Commerce: a fake whose /health answers 200. */
  readonly healthyUrl: string;
  /** A port nothing listens on (notifications points there). */
  readonly closedPort: number;
  /** Sends an operation as `identity` (default a superadmin). */
  query(
    document: string,
    identity?: Identity,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult>;
  /** Stops everything and drops the schema. */
  stop(): Promise<void>;
}

/**
 * Starts the security subgraph through `runSubgraph` (its real start hook stores events) with
 * SECURITY_SUBGRAPH_URL pointing at itself, COMMERCE at a healthy fake, NOTIFICATIONS at a
 * closed port, FULFILLMENT at a fake answering 503, and metrics pushed every second.
 */
export async function startMonitoredSubgraph(setup: MonitoringSetup): Promise<MonitoredSubgraph> {
  const keys = generateKeyPairSync("ed25519");
  const schemaName = uniqueName("monitoring");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-monitoring-"));
  const stores = setup.redisUrl
    ? createRedisStores({ url: setup.redisUrl, keyPrefix: `${uniqueName("monitoring")}:` })
    : createMemoryStores();
  const healthy = await fakeSubgraph(200);
  const failing = await fakeSubgraph(503);
  const closedPort = await freePort();
  const port = await freePort();
  const config = parseSecurityConfig({
    PORT: String(port),
    LOG_LEVEL: "silent",
    DATABASE_URL: setup.databaseUrl,
    RAMPART_DATA_DIR: dataDir,
    GATEWAY_IDENTITY_PUBLIC_KEY: keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    SEED_DEMO_DATA: "false",
    SECURITY_SUBGRAPH_URL: `http://127.0.0.1:${port}/graphql`,
    COMMERCE_SUBGRAPH_URL: healthy.url,
    NOTIFICATIONS_SUBGRAPH_URL: `http://127.0.0.1:${closedPort}/graphql`,
    FULFILLMENT_SUBGRAPH_URL: failing.url,
    SECURITY_METRICS_PUSH_SECONDS: "1",
  });
  const running = await runSubgraph(securitySubgraph, config, {
    schemaName,
    pgliteDataDir: "memory://",
    stores,
  });
  return {
    running,
    config,
    stores,
    dataDir,
    healthyUrl: healthy.url,
    closedPort,
    async query(document, identity = superAdmin(), variables) {
      const assertion = signIdentity(identity, "security", keys.privateKey, {
        query: document,
        variables,
      });
      return postGraphQL(running.server.url, document, {
        variables,
        headers: { [IDENTITY_HEADER]: assertion },
      });
    },
    async stop() {
      await running.stop();
      await stores.close();
      healthy.close();
      failing.close();
      if (setup.databaseUrl) await dropSchema(setup.databaseUrl, schemaName);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
