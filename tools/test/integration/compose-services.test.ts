import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { issueDevToken } from "@rampart/gateway";
import { freePort, startNode, waitForHttp, withPostgres } from "@rampart/kit/testing";
import { completedEnv, repositoryRoot } from "../support/compose";
import {
  composeEnvironment,
  startComposePostgres,
  startComposeRedis,
  type ComposePostgres,
  type ComposeRedis,
} from "../support/compose-services";

// The four subgraphs started in production mode with exactly the environment docker-compose.yml
// gives them (after `rampart secrets`), their hosts pointed at a PostgreSQL initialised by the
// compose init script and a Redis started from the compose ACL: each migrates its own schema as
// its own role, connects to Redis as its own ACL user, and answers /health; then both gateway
// profiles start on Redis as the `gateway` user in front of them, and a signed-in request
// through the main one reaches every subgraph.

const subgraphs = ["security", "commerce", "notifications", "fulfillment"] as const;
const env = completedEnv();
let postgres: ComposePostgres;
let redis: ComposeRedis;
let dataDir: string;
/** Clerk's signing key in these tests: the gateways get its public half as CLERK_JWT_KEY. */
const clerk = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-compose-services-"));
  postgres = await startComposePostgres();
  const init = postgres.runInitScript(composeEnvironment(env, "postgres"));
  if (init.status !== 0) throw new Error(`init script failed: ${init.stderr}`);
  redis = await startComposeRedis(composeEnvironment(env, "redis"));
});

afterAll(async () => {
  await redis?.stop();
  await postgres?.remove();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Subgraphs started by the tests below, in their order, and their ports. */
const running: { name: string; port: number; output(): string; stop(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const child of running.reverse()) await child.stop();
});

/** Starts a service's built main with compose's environment, local hosts and a free port. */
async function startService(name: string, script: string, extra: Record<string, string> = {}) {
  const environment = composeEnvironment(env, name);
  const port = await freePort();
  const child = startNode(path.join(repositoryRoot, script), {
    ...environment,
    // What differs from a container: the hosts, the port, a writable data folder.
    ...(environment.DATABASE_URL ? { DATABASE_URL: postgres.local(environment.DATABASE_URL) } : {}),
    REDIS_URL: redis.local(environment.REDIS_URL),
    HOST: "127.0.0.1",
    PORT: String(port),
    RAMPART_DATA_DIR: path.join(dataDir, name),
    LOG_LEVEL: "warn",
    ...extra,
  });
  running.push({ name, port, output: child.output, stop: () => child.stop() });
  await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000, 200, child);
  return port;
}

it.each(subgraphs)("%s starts with compose's environment, as its own role", async (subgraph) => {
  await startService(subgraph, path.join("subgraphs", subgraph, "dist", "main.js"));
  const tables = await withPostgres(postgres.superuserUrl, (client) =>
    client.query(
      `select pg_get_userbyid(c.relowner) as owner, count(*)::int as tables
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind = 'r' group by 1`,
      [subgraph],
    ),
  );
  // The migrations ran as the role: it owns every table, the migrations table included.
  expect(tables.rows).toEqual([{ owner: `rampart_${subgraph}`, tables: expect.any(Number) }]);
  expect(tables.rows[0].tables).toBeGreaterThan(1);
});

it.each(["gateway", "gateway-admin"])(
  "%s starts with compose's environment, on Redis as the gateway user",
  async (gateway) => {
    const portOf = (name: string) => running.find((child) => child.name === name)?.port;
    expect(subgraphs.map(portOf)).not.toContain(undefined);
    const port = await startService(gateway, path.join("gateway", "dist", "main.js"), {
      // This test calls from 127.0.0.1, where a container would see the bridge address.
      ADMIN_IP_ALLOWLIST: "127.0.0.1/32",
      CLERK_JWT_KEY: clerk.publicKey,
      ...Object.fromEntries(
        subgraphs.map((name) => [
          `${name.toUpperCase()}_SUBGRAPH_URL`,
          `http://127.0.0.1:${portOf(name)}/graphql`,
        ]),
      ),
    });
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    // Production: no token, no answer, but a typed refusal (not a crash or a 5xx).
    expect(response.status).toBeLessThan(500);
  },
);

it("a signed-in request through the main gateway reaches every subgraph, each on its own Redis user", async () => {
  const port = running.find((child) => child.name === "gateway")?.port;
  expect(port).toBeDefined();
  const sessionId = "sess_compose_services";
  const token = await issueDevToken(
    { userId: "user_compose", organizationId: "org_compose", role: "admin", sessionId },
    {
      privateKeyPem: clerk.privateKey,
      issuer: env.CLERK_ISSUER,
      authorizedParty: env.STOREFRONT_ORIGINS,
    },
  );
  // The gateway starts the session and draws on budgets (its user); each subgraph accepts its
  // identity assertion once (its own user's replay-guard keys); security reads the session.
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "apollo-require-preflight": "true",
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({
      query: "{ mySessions { id } unreadNotificationCount shipments { id } orders { id } }",
    }),
  });
  const body = (await response.json()) as {
    data?: { mySessions: { id: string }[]; unreadNotificationCount: number };
    errors?: { extensions?: { code?: string } }[];
  };
  expect({ status: response.status, errors: body.errors }).toEqual({
    status: 200,
    errors: undefined,
  });
  expect(body.data?.mySessions).toEqual([{ id: sessionId }]);
  expect(body.data?.unreadNotificationCount).toBe(0);
});

it("no service was refused anything by Redis (its ACL user covers what it does)", async () => {
  // The background work too: event pipeline, alert dispatch, key ring watchers, metrics.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const child of running)
    expect({ service: child.name, refused: child.output().match(/.*NOPERM.*/g) }).toEqual({
      service: child.name,
      refused: null,
    });
});
