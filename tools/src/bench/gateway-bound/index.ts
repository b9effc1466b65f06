import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import autocannon from "autocannon";
import { parse } from "graphql";
import { loadOrCreateDevKeyPair, SessionStore } from "@rampart/kit";
import {
  createMemoryStores,
  createStores,
  serveSharedMemoryStores,
  type Stores,
} from "@rampart/kit/stores";
import { freePort } from "@rampart/kit/testing";
import { benchMachine, runTool, writeBenchResults } from "@rampart/kit/tools";
import { DEV_ISSUER, issueDevToken, repositoryRoot } from "@rampart/gateway";
import { benchSubgraphs } from "./subgraphs";

// `npm run bench`: the gateway's own cost, on a workload where the gateway is the bottleneck.
// Three in-memory subgraphs (./subgraphs) and the load generator share one core; each gateway
// under test runs alone on the other (taskset). Targets, interleaved in each of `rounds`
// rounds: bare @apollo/gateway, Hive Gateway (defaults, and with in-flight de-duplication off),
// Rampart's main profile signed in and anonymous, and its admin profile at security level 3.
// Two queries: a 3-fetch nested query (54 objects) and `{ __typename }`. Reports req/s, p50/p99,
// the gateway's CPU per request (from /proc), subgraph fetches per request and ratios; then the
// Rampart main profile's RSS after 20,000 and 200,000 requests. Writes bench/results/ and the
// gateway-bound section of docs/performance.md.

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const memoryRequests = Number(process.env.BENCH_MEMORY_REQUESTS ?? 200_000);
const only = process.env.BENCH_TARGETS?.split(",");
/** When set, each gateway under test writes a V8 CPU profile there when it stops. */
const cpuProfileDir = process.env.BENCH_CPU_PROFILE_DIR;

const queries = {
  nested: `query TopProducts { topProducts(first: 6) { upc name price reviews { id body author { id name username } } } }`,
  typename: `{ __typename }`,
} as const;
type QueryName = keyof typeof queries;
const measuredQueries = (Object.keys(queries) as QueryName[]).filter(
  (q) => !process.env.BENCH_QUERIES || process.env.BENCH_QUERIES.split(",").includes(q),
);

const clockTicksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const cores = os.cpus().length;
const pinned = cores >= 2;

/** CPU seconds (user + system) a process has used so far. */
function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** Resident set size of a process, in MiB. */
function rssMiBOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

interface Started {
  readonly child: ChildProcess;
  readonly log: string;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] script args` on `core` (when the machine has two), output to `log`. */
function startPinned(
  core: number,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: string,
  nodeArgs: string[] = [],
): Started {
  const out = fs.openSync(log, "a");
  const node = [...nodeArgs, script, ...args];
  const command = pinned ? "taskset" : process.execPath;
  const commandArgs = pinned ? ["-c", String(core), process.execPath, ...node] : node;
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor(url: string, started: Started, body: string, headers = {}): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    if (started.child.exitCode !== null)
      throw new Error(`${url} exited:\n${fs.readFileSync(started.log, "utf8").slice(-4000)}`);
    const answered = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }).then(
      (res) => res.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer:\n${fs.readFileSync(started.log, "utf8").slice(-4000)}`);
}

interface Target {
  readonly name: string;
  readonly label: string;
  readonly url: string;
  readonly process: Started;
  readonly headers: Record<string, string>;
  /** Runs before each measurement (the admin session's step-up is renewed). */
  readonly prepare?: () => Promise<void>;
}

interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  cpuMicrosPerRequest: number;
  fetchesPerRequest: number;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

runTool(async () => {
  if (pinned) execFileSync("taskset", ["-cp", "1", String(process.pid)], { stdio: "ignore" });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-gateway-bound-"));
  const started: Started[] = [];
  let stores: Stores | undefined;
  let storeServer: { close(): Promise<void> } | undefined;
  try {
    // Subgraphs on the load generator's core.
    const subgraphLog = path.join(dir, "subgraphs.log");
    const subgraphs = startPinned(1, path.join(__dirname, "subgraphs.js"), [], {}, subgraphLog);
    started.push(subgraphs);
    let subgraphUrls: Record<string, string> | undefined;
    for (const deadline = Date.now() + 30_000; !subgraphUrls && Date.now() < deadline;) {
      const line = fs.readFileSync(subgraphLog, "utf8").split("\n")[0];
      if (line.startsWith("{")) subgraphUrls = JSON.parse(line) as Record<string, string>;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!subgraphUrls) throw new Error(`subgraphs did not start:\n${fs.readFileSync(subgraphLog)}`);
    const urls = subgraphUrls;
    const fetchesServed = async () => {
      let total = 0;
      for (const url of Object.values(urls)) {
        const stats = (await fetch(url.replace("/graphql", "/stats")).then((r) => r.json())) as {
          served: number;
        };
        total += stats.served;
      }
      return total;
    };

    const composed = composeServices(
      Object.entries(benchSubgraphs).map(([name, { sdl }]) => ({
        name,
        url: urls[name],
        typeDefs: parse(sdl),
      })),
    );
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join("\n"));
    const supergraphFile = path.join(dir, "supergraph.graphql");
    fs.writeFileSync(supergraphFile, composed.supergraphSdl);

    // Rampart's shared stores: Redis when REDIS_URL is set, else the launcher's shared memory.
    const redisUrl = process.env.REDIS_URL;
    const storeEnv: NodeJS.ProcessEnv = {};
    if (redisUrl) {
      const keyPrefix = `bench-gw-${process.pid}:`;
      stores = createStores({ redisUrl, keyPrefix });
      Object.assign(storeEnv, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix });
    } else {
      stores = createMemoryStores();
      const server = await serveSharedMemoryStores(stores, path.join(dir, "stores.sock"));
      storeServer = server;
      Object.assign(storeEnv, { REDIS_URL: "", RAMPART_STORE_SOCKET: server.socketPath });
    }
    const huge = "100000000";
    const authorizedParty = "http://bench.localhost";
    const rampartEnv = {
      ...storeEnv,
      NODE_ENV: "development",
      RAMPART_DATA_DIR: dir,
      SUPERGRAPH_PATH: supergraphFile,
      CLERK_AUTHORIZED_PARTIES: authorizedParty,
      RATE_LIMIT_PER_USER: huge,
      RATE_LIMIT_SIGNED_IN_PER_IP: huge,
      RATE_LIMIT_ANONYMOUS_PER_IP: huge,
    };
    const devIssuerKey = loadOrCreateDevKeyPair(dir, "dev-issuer-rsa").privateKeyPem;
    const tokenFor = (sessionId: string, role: string) =>
      issueDevToken(
        {
          userId: `user_bench_${role}`,
          organizationId: "org_bench",
          role: `org:${role}`,
          sessionId,
          ttlSeconds: 6 * 3600,
        },
        { privateKeyPem: devIssuerKey, issuer: DEV_ISSUER, authorizedParty },
      );
    const memberToken = await tokenFor("sess_bench_member", "member");
    const adminToken = await tokenFor("sess_bench_admin", "admin");

    const gatewayMain = path.join(repositoryRoot, "gateway", "dist", "main.js");
    const [barePort, hivePort, hiveNoDedupePort, mainPort, adminPort] = await Promise.all(
      [0, 1, 2, 3, 4].map(() => freePort()),
    );
    const startTarget = (name: string, script: string, args: string[], env = {}) => {
      const profile = cpuProfileDir
        ? [
            "--cpu-prof",
            `--cpu-prof-dir=${path.resolve(cpuProfileDir)}`,
            `--cpu-prof-name=${name}.cpuprofile`,
          ]
        : [];
      const target = startPinned(0, script, args, env, path.join(dir, `${name}.log`), profile);
      started.push(target);
      return target;
    };
    const bare = startTarget("bare", path.join(__dirname, "bare.js"), [
      String(barePort),
      supergraphFile,
    ]);
    const hive = startTarget("hive", path.join(__dirname, "hive.js"), [
      String(hivePort),
      supergraphFile,
      "dedupe",
    ]);
    const hiveNoDedupe = startTarget("hive-no-dedupe", path.join(__dirname, "hive.js"), [
      String(hiveNoDedupePort),
      supergraphFile,
      "no-dedupe",
    ]);
    const main = startTarget("rampart-main", gatewayMain, [], {
      ...rampartEnv,
      GATEWAY_PROFILE: "main",
      PORT: String(mainPort),
    });
    const admin = startTarget("rampart-admin", gatewayMain, [], {
      ...rampartEnv,
      GATEWAY_PROFILE: "admin",
      PORT: String(adminPort),
    });

    const sessions = new SessionStore(stores);
    const stepUpAdmin = async () => {
      const resumed = await sessions.resume(
        { sessionId: "sess_bench_admin", userId: "user_bench_admin", organizationId: "org_bench" },
        { ip: "127.0.0.1", userAgent: null },
      );
      if (!resumed.ok) throw new Error(`bench admin session refused: ${resumed.reason}`);
      const { ip, version } = resumed.session;
      if (!(await sessions.markSecondFactor("sess_bench_admin", { ip, version })))
        throw new Error("could not step the bench admin session up");
    };
    await stepUpAdmin();

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const all: Target[] = [
      {
        name: "bare",
        label: "bare @apollo/gateway",
        url: `http://127.0.0.1:${barePort}/`,
        process: bare,
        headers: {},
      },
      {
        name: "hive",
        label: "Hive Gateway, defaults",
        url: `http://127.0.0.1:${hivePort}/graphql`,
        process: hive,
        headers: {},
      },
      {
        name: "hiveNoDedupe",
        label: "Hive Gateway, de-duplication off",
        url: `http://127.0.0.1:${hiveNoDedupePort}/graphql`,
        process: hiveNoDedupe,
        headers: {},
      },
      {
        name: "mainSignedIn",
        label: "Rampart main, signed in",
        url: `http://127.0.0.1:${mainPort}/graphql`,
        process: main,
        headers: bearer(memberToken),
      },
      {
        name: "mainAnonymous",
        label: "Rampart main, anonymous",
        url: `http://127.0.0.1:${mainPort}/graphql`,
        process: main,
        headers: {},
      },
      {
        name: "adminStepUp",
        label: "Rampart admin, level 3",
        url: `http://127.0.0.1:${adminPort}/graphql`,
        process: admin,
        headers: bearer(adminToken),
        prepare: stepUpAdmin,
      },
    ];
    const targets = all.filter((t) => t.name === "bare" || !only || only.includes(t.name));

    const typenameBody = JSON.stringify({ query: queries.typename });
    for (const target of targets)
      await waitFor(target.url, target.process, typenameBody, target.headers);

    // Every target answers the same data, so the comparison is of equal work.
    const answerOf = async (target: Target, query: QueryName) => {
      await target.prepare?.();
      const res = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body: JSON.stringify({ query: queries[query] }),
      });
      return JSON.stringify(await res.json());
    };
    for (const query of Object.keys(queries) as QueryName[]) {
      const expected = await answerOf(targets[0], query);
      if (!expected.includes('"data"') || expected.includes('"errors"'))
        throw new Error(`bare gateway answered ${expected.slice(0, 500)}`);
      for (const target of targets.slice(1)) {
        const answer = await answerOf(target, query);
        if (answer !== expected)
          throw new Error(`${target.name} answered differently:\n${answer.slice(0, 1000)}`);
      }
    }

    const measure = async (target: Target, query: QueryName, duration: number) => {
      await target.prepare?.();
      const pid = target.process.child.pid as number;
      const [cpuBefore, fetchesBefore] = [cpuSecondsOf(pid), await fetchesServed()];
      const result = await autocannon({
        url: target.url,
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body: JSON.stringify({ query: queries[query] }),
        connections,
        duration,
      });
      const [cpuAfter, fetchesAfter] = [cpuSecondsOf(pid), await fetchesServed()];
      const requests = result.requests.total;
      return {
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        requests,
        non2xx: result.non2xx,
        errors: result.errors,
        cpuMicrosPerRequest: ((cpuAfter - cpuBefore) * 1e6) / Math.max(requests, 1),
        fetchesPerRequest: (fetchesAfter - fetchesBefore) / Math.max(requests, 1),
      } satisfies Measurement;
    };

    for (const target of targets)
      for (const query of measuredQueries) await measure(target, query, 2); // warm-up

    const runs: Record<string, Record<QueryName, Measurement[]>> = Object.fromEntries(
      targets.map((t) => [t.name, { nested: [], typename: [] }]),
    );
    // Rounds interleave the targets, so drift on this machine hits each alike.
    for (let round = 0; round < rounds; round++) {
      for (const query of measuredQueries) {
        for (const target of targets) {
          const measured = await measure(target, query, durationSeconds);
          runs[target.name][query].push(measured);
          process.stderr.write(
            `round ${round + 1} ${query} ${target.name}: ${Math.round(measured.requestsPerSecond)} req/s, p99 ${measured.p99Ms} ms, ${Math.round(measured.cpuMicrosPerRequest)} µs CPU/req\n`,
          );
        }
      }
    }

    const summarize = (measured: Measurement[]) => ({
      requestsPerSecond: median(measured.map((m) => m.requestsPerSecond)),
      p50Ms: median(measured.map((m) => m.p50Ms)),
      p99Ms: median(measured.map((m) => m.p99Ms)),
      cpuMicrosPerRequest: median(measured.map((m) => m.cpuMicrosPerRequest)),
      fetchesPerRequest: median(measured.map((m) => m.fetchesPerRequest)),
      non2xx: measured.reduce((sum, m) => sum + m.non2xx, 0),
      errors: measured.reduce((sum, m) => sum + m.errors, 0),
    });
    const results = Object.fromEntries(
      targets.map((t) => [
        t.name,
        {
          label: t.label,
          nested: summarize(runs[t.name].nested),
          typename: summarize(runs[t.name].typename),
          rounds: runs[t.name],
        },
      ]),
    );
    const ratioTo = (baseline: string) =>
      results[baseline]
        ? Object.fromEntries(
            targets.map((t) => [
              t.name,
              Object.fromEntries(
                (Object.keys(queries) as QueryName[]).map((q) => [
                  q,
                  results[t.name][q].requestsPerSecond / results[baseline][q].requestsPerSecond,
                ]),
              ),
            ]),
          )
        : undefined;

    // Memory: the Rampart main profile's RSS after 20,000 and after `memoryRequests` requests.
    let memory;
    const memoryTarget = targets.find((t) => t.name === "mainSignedIn");
    if (memoryTarget && memoryRequests > 0) {
      const pid = memoryTarget.process.child.pid as number;
      const send = (amount: number) =>
        autocannon({
          url: memoryTarget.url,
          method: "POST",
          headers: { "content-type": "application/json", ...memoryTarget.headers },
          body: typenameBody,
          connections,
          amount,
        });
      await send(20_000);
      const after20k = rssMiBOf(pid);
      await send(memoryRequests - 20_000);
      const afterAll = rssMiBOf(pid);
      memory = {
        target: memoryTarget.name,
        query: "typename",
        rssMiBAfter20000: after20k,
        [`rssMiBAfter${memoryRequests}`]: afterAll,
        growth: afterAll / after20k - 1,
      };
    }

    const report = {
      benchmark: "gateway-bound: bare @apollo/gateway vs Hive Gateway vs Rampart",
      date: new Date().toISOString(),
      machine: benchMachine(),
      settings: {
        durationSeconds,
        connections,
        rounds,
        pinned: pinned
          ? "gateway alone on core 0; subgraphs and load generator on core 1"
          : "unpinned (one core)",
        stores: redisUrl ? "redis" : "shared memory",
        queries,
      },
      results,
      toBare: ratioTo("bare"),
      toHive: ratioTo("hive"),
      memory,
    };
    const written = writeBenchResults(repositoryRoot, "gateway-bound", report);
    const table = renderTable(report);
    writePerformanceSection(table, report.date, report.machine);
    process.stdout.write(`${table}\nwrote ${written} and docs/performance.md\n`);
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await storeServer?.close();
    await stores?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function renderTable(report: {
  results: Record<string, { label: string; nested: Summary; typename: Summary }>;
  memory?: Record<string, unknown>;
}): string {
  const { results } = report;
  const bare = results.bare;
  const hive = results.hive;
  const lines = [
    "| gateway | 3-fetch req/s | × bare | × Hive | p50 / p99 ms | CPU µs/req | fetches/req | `{ __typename }` req/s | × bare | p50 / p99 ms | CPU µs/req |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  // A query left out by BENCH_QUERIES has no figures.
  const fixed = (n: number | undefined, digits = 2) =>
    n === undefined || Number.isNaN(n) ? "–" : n.toFixed(digits);
  for (const r of Object.values(results)) {
    lines.push(
      `| ${r.label} | ${fixed(r.nested.requestsPerSecond, 0)} | ${fixed(r.nested.requestsPerSecond / bare.nested.requestsPerSecond)} | ${hive ? fixed(r.nested.requestsPerSecond / hive.nested.requestsPerSecond) : "–"} | ${r.nested.p50Ms} / ${r.nested.p99Ms} | ${fixed(r.nested.cpuMicrosPerRequest, 0)} | ${fixed(r.nested.fetchesPerRequest)} | ${fixed(r.typename.requestsPerSecond, 0)} | ${fixed(r.typename.requestsPerSecond / bare.typename.requestsPerSecond)} | ${r.typename.p50Ms} / ${r.typename.p99Ms} | ${fixed(r.typename.cpuMicrosPerRequest, 0)} |`,
    );
  }
  if (report.memory) {
    const m = report.memory;
    const values = Object.entries(m).filter(([k]) => k.startsWith("rssMiBAfter"));
    lines.push(
      "",
      `Memory (${String(m.target)}, \`{ __typename }\`): ${values.map(([k, v]) => `RSS after ${k.slice("rssMiBAfter".length)} requests ${(v as number).toFixed(1)} MiB`).join(", ")} (${((m.growth as number) * 100).toFixed(1)}%).`,
    );
  }
  return lines.join("\n");
}

interface Summary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  fetchesPerRequest: number;
}

const sectionStart = "<!-- gateway-bound:start -->";
const sectionEnd = "<!-- gateway-bound:end -->";

/** Replaces the generated section of docs/performance.md with this run's table. */
function writePerformanceSection(
  table: string,
  date: string,
  machine: ReturnType<typeof benchMachine>,
): void {
  const file = path.join(repositoryRoot, "docs", "performance.md");
  const text = fs.readFileSync(file, "utf8");
  const section = `${sectionStart}\n_Last run ${date} by \`npm run bench\` on ${machine.cpus} × ${machine.model}, Node ${machine.node}; medians of the interleaved rounds._\n\n${table}\n${sectionEnd}`;
  const start = text.indexOf(sectionStart);
  const end = text.indexOf(sectionEnd);
  fs.writeFileSync(
    file,
    start >= 0 && end > start
      ? `${text.slice(0, start)}${section}${text.slice(end + sectionEnd.length)}`
      : `${text.trimEnd()}\n\n## Gateway-bound comparison\n\n${section}\n`,
  );
  // The repository's formatting, so that `npm run lint` stays clean after a run.
  execFileSync(path.join(repositoryRoot, "node_modules", ".bin", "prettier"), ["--write", file], {
    stdio: "ignore",
  });
}
