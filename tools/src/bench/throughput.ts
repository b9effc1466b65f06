import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import {
  anonymousIdentity,
  defaultSubgraphUrlOf,
  IDENTITY_HEADER,
  loadOrCreateDevKeyPair,
  privateKeyFromPem,
  SecurityLevel,
  signIdentity,
} from "@rampart/kit";
import { startNode, waitForHttp } from "@rampart/kit/testing";
import { benchMachine, writeBenchResults, runTool } from "@rampart/kit/tools";
import { issueDevToken, DEV_ISSUER, repositoryRoot } from "@rampart/gateway";

// `npm run bench`: starts the platform (embedded defaults, or DATABASE_URL / REDIS_URL when
// set), then measures with autocannon, in the same run, the example cross-subgraph query
// through the gateway and a bare query straight to one subgraph. Writes bench/results/*.json.

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Measurement {
  name: string;
  requestsPerSecond: { mean: number; median: number };
  latencyMs: { p50: number; p99: number; mean: number };
  requests: number;
  non2xx: number;
  errors: number;
}

async function measure(
  name: string,
  url: string,
  headers: Record<string, string>,
  query: string,
  /** Headers that change per request (a single-use identity assertion each). */
  perRequest?: () => Record<string, string>,
): Promise<Measurement> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
    connections,
    duration: durationSeconds,
    ...(perRequest && {
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, ...perRequest() },
          }),
        },
      ],
    }),
  });
  return {
    name,
    requestsPerSecond: { mean: result.requests.average, median: result.requests.p50 },
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

runTool(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-"));
  const env = {
    RAMPART_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    DATABASE_URL: process.env.DATABASE_URL ?? "",
    REDIS_URL: process.env.REDIS_URL ?? "",
    // Budgets high enough that every request is decided and none refused.
    RATE_LIMIT_PER_USER: "100000000",
    RATE_LIMIT_SIGNED_IN_PER_IP: "100000000",
  };
  const platform = startNode(path.join(repositoryRoot, "tools", "dist", "start-platform.js"), env);
  try {
    await waitForHttp("http://127.0.0.1:4000/health", 120_000, 200, platform);
    const token = await issueDevToken(
      {
        userId: "user_demo_alice",
        organizationId: "org_demo_acme",
        role: "admin",
        ttlSeconds: 3600,
      },
      {
        privateKeyPem: loadOrCreateDevKeyPair(dataDir, "dev-issuer-rsa").privateKeyPem,
        issuer: DEV_ISSUER,
        authorizedParty: "http://localhost:4000",
      },
    );
    const identity = {
      ...anonymousIdentity("bench"),
      userId: "user_demo_alice",
      organizationId: "org_demo_acme",
      securityLevel: SecurityLevel.SignedIn,
    };
    // Each assertion is accepted once, as each gateway fetch signs its own: sign more than the
    // bare run can send (it answers about 1,200 per second here), before it starts.
    const bareQuery = "{ orders { id status totalCents } }";
    const identityKey = privateKeyFromPem(
      loadOrCreateDevKeyPair(dataDir, "identity-ed25519").privateKeyPem,
    );
    const signAssertions = async () => {
      const assertions: string[] = [];
      for (let i = 0; i < 4_000 * durationSeconds; i += 1) {
        assertions.push(signIdentity(identity, "commerce", identityKey, { query: bareQuery }));
      }
      let next = 0;
      return () => ({ [IDENTITY_HEADER]: assertions[next++ % assertions.length] });
    };
    const example = fs.readFileSync(
      path.join(repositoryRoot, "docs", "examples", "cross-subgraph.graphql"),
      "utf8",
    );

    // Warm up both paths (query plan cache, JIT, connection pools).
    await measure(
      "warm-up",
      "http://127.0.0.1:4000/graphql",
      { authorization: `Bearer ${token}` },
      example,
    );
    // Signed just before the run: they expire 60 s after signing.
    const bare = await measure(
      `bare subgraph: commerce ${bareQuery}`,
      defaultSubgraphUrlOf("commerce"),
      {},
      bareQuery,
      await signAssertions(),
    );
    const gateway = await measure(
      "gateway: docs/examples/cross-subgraph.graphql",
      "http://127.0.0.1:4000/graphql",
      { authorization: `Bearer ${token}` },
      example,
    );

    const results = {
      benchmark: "foundation throughput",
      date: new Date().toISOString(),
      machine: benchMachine(),
      services: {
        database: env.DATABASE_URL ? "postgres" : "pglite",
        stores: env.REDIS_URL ? "redis" : "memory",
      },
      settings: { durationSeconds, connections },
      bare,
      gateway,
      ratio: {
        gatewayToBareThroughput: gateway.requestsPerSecond.mean / bare.requestsPerSecond.mean,
      },
    };
    const written = writeBenchResults(repositoryRoot, "foundation", results);
    process.stdout.write(
      `${JSON.stringify(
        {
          bare: bare.requestsPerSecond,
          gateway: gateway.requestsPerSecond,
          ratio: results.ratio,
          non2xx: [bare.non2xx, gateway.non2xx],
          p50: [bare.latencyMs.p50, gateway.latencyMs.p50],
          p99: [bare.latencyMs.p99, gateway.latencyMs.p99],
        },
        null,
        2,
      )}\nwrote ${written}\n`,
    );
  } finally {
    await platform.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
