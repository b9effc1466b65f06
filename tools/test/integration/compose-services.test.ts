import fs from "node:fs";
import os from "node:os";
import path from "node:path";
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
// its own role, connects to Redis as the `subgraphs` user, and answers /health.

const subgraphs = ["security", "commerce", "notifications", "fulfillment"] as const;
const env = completedEnv();
let postgres: ComposePostgres;
let redis: ComposeRedis;
let dataDir: string;

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

it.each(subgraphs)("%s starts with compose's environment, as its own role", async (subgraph) => {
  const environment = composeEnvironment(env, subgraph);
  const port = await freePort();
  const child = startNode(path.join(repositoryRoot, "subgraphs", subgraph, "dist", "main.js"), {
    ...environment,
    // What differs from a container: the hosts, the port, a writable data folder.
    DATABASE_URL: postgres.local(environment.DATABASE_URL),
    REDIS_URL: redis.local(environment.REDIS_URL),
    HOST: "127.0.0.1",
    PORT: String(port),
    RAMPART_DATA_DIR: path.join(dataDir, subgraph),
    LOG_LEVEL: "warn",
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000, 200, child);
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
  } finally {
    await child.stop();
  }
});
