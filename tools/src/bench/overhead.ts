import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { loadOrCreateDevKeyPair, subgraphNames, subgraphUrlVariableOf } from "@rampart/kit";
import { freePort, startNode, waitForHttp } from "@rampart/kit/testing";
import { benchMachine, writeBenchResults, runTool } from "@rampart/kit/tools";
import { issueDevToken, DEV_ISSUER, repositoryRoot } from "@rampart/gateway";

// `npm run bench` (part 1): the same authenticated cross-subgraph query, same subgraphs, same
// run, through (1) a bare @apollo/gateway, (2) the main profile and (3) the admin profile.
// Throughput and p50/p99 with autocannon, ratio to bare. Budgets are raised so the rate
// limiter decides every request without refusing any. Writes bench/results/overhead-*.json.

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

async function measure(url: string, token: string, query: string, duration = durationSeconds) {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    connections,
    duration,
  });
  return {
    requestsPerSecond: { mean: result.requests.average, median: result.requests.p50 },
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

runTool(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-"));
  const names = subgraphNames;
  const [main, admin, bare, ...subgraphPorts] = await Promise.all(
    [0, 1, 2, ...names].map(() => freePort()),
  );
  const subgraphEnv = Object.fromEntries(
    names.map((name, i) => [
      subgraphUrlVariableOf(name),
      `http://127.0.0.1:${subgraphPorts[i]}/graphql`,
    ]),
  );
  const huge = "100000000";
  const env = {
    RAMPART_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    PORT: String(main),
    ADMIN_PORT: String(admin),
    DATABASE_URL: process.env.DATABASE_URL ?? "",
    REDIS_URL: process.env.REDIS_URL ?? "",
    REDIS_KEY_PREFIX: `bench-${process.pid}:`,
    RATE_LIMIT_PER_USER: huge,
    RATE_LIMIT_SIGNED_IN_PER_IP: huge,
    RATE_LIMIT_ANONYMOUS_PER_IP: huge,
    ...subgraphEnv,
  };
  const platform = startNode(path.join(repositoryRoot, "tools", "dist", "start-platform.js"), env);
  const bareGateway = startNode(path.join(__dirname, "bare-gateway.js"), env, [
    String(bare),
    dataDir,
    names.map((name, i) => `${name}=${subgraphPorts[i]}`).join(","),
  ]);
  try {
    await waitForHttp(`http://127.0.0.1:${admin}/health`, 120_000, 200, platform);
    // The bare server has no health route: it is up once it answers anything.
    for (let started = Date.now(); ;) {
      const answered = await fetch(`http://127.0.0.1:${bare}/`).then(
        () => true,
        () => false,
      );
      if (answered) break;
      if (Date.now() - started > 60_000)
        throw new Error(`bare gateway did not start:\n${bareGateway.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
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
        authorizedParty: `http://localhost:${main}`,
      },
    );
    const query = fs.readFileSync(
      path.join(repositoryRoot, "docs", "examples", "cross-subgraph.graphql"),
      "utf8",
    );
    const targets = {
      bare: `http://127.0.0.1:${bare}/`,
      main: `http://127.0.0.1:${main}/graphql`,
      admin: `http://127.0.0.1:${admin}/graphql`,
    };
    for (const url of Object.values(targets)) await measure(url, token, query, 3); // warm-up
    // Rounds interleave the three targets, so drift on this shared machine hits each alike.
    const runs: Record<string, Awaited<ReturnType<typeof measure>>[]> = {
      bare: [],
      main: [],
      admin: [],
    };
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(targets))
        runs[name].push(await measure(url, token, query));
    }
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const results = Object.fromEntries(
      Object.entries(runs).map(([name, measured]) => [
        name,
        {
          requestsPerSecond: median(measured.map((m) => m.requestsPerSecond.mean)),
          p50Ms: median(measured.map((m) => m.latencyMs.p50)),
          p99Ms: median(measured.map((m) => m.latencyMs.p99)),
          non2xx: measured.reduce((sum, m) => sum + m.non2xx, 0),
          rounds: measured,
        },
      ]),
    );
    const ratio = (name: string) => ({
      throughput: results[name].requestsPerSecond / results.bare.requestsPerSecond,
      addedP50Ms: results[name].p50Ms - results.bare.p50Ms,
    });
    const report = {
      benchmark: "gateway overhead: bare vs main vs admin",
      date: new Date().toISOString(),
      machine: benchMachine(),
      services: {
        database: env.DATABASE_URL ? "postgres" : "pglite",
        stores: env.REDIS_URL ? "redis" : "shared memory",
      },
      settings: {
        durationSeconds,
        connections,
        rounds,
        query: "docs/examples/cross-subgraph.graphql",
      },
      results,
      toBare: { main: ratio("main"), admin: ratio("admin") },
    };
    const written = writeBenchResults(repositoryRoot, "overhead", report);
    const summary = Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        { rps: r.requestsPerSecond, p50Ms: r.p50Ms, p99Ms: r.p99Ms, non2xx: r.non2xx },
      ]),
    );
    process.stdout.write(
      `${JSON.stringify({ summary, toBare: report.toBare }, null, 2)}\nwrote ${written}\n`,
    );
  } finally {
    await Promise.all([platform.stop(), bareGateway.stop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
