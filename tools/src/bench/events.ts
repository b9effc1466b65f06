import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  IDENTITY_HEADER,
  loadOrCreateDevKeyPair,
  privateKeyFromPem,
  SECURITY_EVENT_STREAM,
  SecurityEventRecorder,
  SecurityLevel,
  signIdentity,
  subgraphNames,
  subgraphUrlVariableOf,
  verifyAuditChain,
  type SecurityEvent,
  type SecurityEventInput,
} from "@rampart/kit";
import {
  connectSharedMemoryStores,
  createRedisStores,
  openDatabase,
  type Database,
  type Stores,
} from "@rampart/kit/stores";
import {
  createTestDatabase,
  freePort,
  startNode,
  waitForHttp,
  withPostgres,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";
import { benchMachine, writeBenchResults, runTool } from "@rampart/kit/tools";
// The table belongs to the security subgraph.
import { StoredSecurityEvent } from "@rampart/security";
import type { FormattedExecutionResult } from "graphql-ws";
import { generate } from "otplib";
import { issueDevToken, DEV_ISSUER, repositoryRoot } from "@rampart/gateway";
import { openBenchSocket, type BenchSocket, type BenchSubscription } from "./live-sockets";

// `npm run bench:events`: security events, on PostgreSQL + Redis (when both answer) and on
// the embedded defaults (PGlite + the launcher's shared in-memory stores).
//  1. Fan-out: 1,000 live `securityEvents` subscriptions through the admin gateway, K events
//     recorded on the stream; publish -> receipt latency per (event, subscriber), measured by
//     this process's clock, against one subscription through the gateway in the same run, with
//     one subscription straight at the security subgraph alongside each phase (the probe: the
//     pipeline's share without the gateway).
//  2. Ingest: N events appended to the stream, time until all are stored, then checked (each id
//     exactly once, chain intact), against the same rows inserted by plain multi-row INSERTs.
// Writes bench/results/events-*.json. Rate-limit budgets are raised so that 1,000 subscribe
// messages from one user are all admitted (every one is still decided).

const settings = {
  /** Measured events per fan-out phase. */
  events: Number(process.env.BENCH_EVENTS ?? 50),
  /** Gap between two measured events, in ms. */
  spacingMs: Number(process.env.BENCH_EVENT_SPACING_MS ?? 200),
  /** Live subscriptions in each fan-out phase. */
  subscribers: Number(process.env.BENCH_SUBSCRIBERS ?? 1_000),
  /** Events appended in the ingest phase. */
  ingestEvents: Number(process.env.BENCH_INGEST_EVENTS ?? 50_000),
  /** Appends in flight at once. */
  ingestConcurrency: Number(process.env.BENCH_INGEST_CONCURRENCY ?? 64),
  /** Longest wait for the ingest to be stored, in ms. */
  ingestTimeoutMs: Number(process.env.BENCH_INGEST_TIMEOUT_MS ?? 150_000),
  /** Rows per INSERT in the baseline: the consumer's batch size. */
  baselineBatch: 500,
  /** Which setups: `services` (PostgreSQL + Redis), `embedded`. */
  setups: (process.env.BENCH_SETUPS ?? "services,embedded").split(","),
};

/** Budget for every rate limit the bench passes through: decided, never refused. */
const RAISED_BUDGET = "100000000";
/** Subscribe messages sent at once, and the pause between two such waves. */
const SUBSCRIBE_WAVE = 100;
const SUBSCRIBE_WAVE_PAUSE_MS = 250;
/** Subscriptions one gateway socket may hold (the gateway's limit). */
const PER_SOCKET = 25;
const FANOUT_TYPE = "bench.fanout";
const INGEST_TYPE = "bench.ingest";
/** An organization seeded by commerce, so the cross-subgraph variant resolves its name. */
const ORGANIZATION = "org_demo_acme";
const SUPERADMIN_ORGANIZATION = "org_rampart_admin";

const subscriptionOf = (selection: string) =>
  `subscription { securityEvents(filter: {types: ["${FANOUT_TYPE}"]}) { ${selection} } }`;
const PLAIN = "id type reason";
const CROSS_SUBGRAPH = "id type reason organization { id name }";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentiles of a sample, in ms rounded to 0.1. */
function summarize(values: readonly number[]) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}

const median = (values: readonly number[]) =>
  values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Which services a setup runs on. */
interface Setup {
  name: string;
  databaseUrl?: string;
  redisUrl?: string;
}

/** PostgreSQL + Redis when both answer (the other benches' defaults), then the embedded defaults. */
async function detectSetups(): Promise<Setup[]> {
  const setups: Setup[] = [];
  if (settings.setups.includes("services")) {
    const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
    const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
    const redis = createRedisStores({ url: redisUrl, keyPrefix: `bench-events-probe:` });
    const reachable = await Promise.all([
      withPostgres(databaseUrl, (client) => client.query("select 1")).then(
        () => true,
        () => false,
      ),
      redis.ping().then(
        () => true,
        () => false,
      ),
    ]);
    await redis.close();
    if (reachable.every(Boolean)) {
      setups.push({ name: "PostgreSQL + Redis", databaseUrl, redisUrl });
    } else {
      process.stderr.write(
        `PostgreSQL (${databaseUrl}) or Redis (${redisUrl}) did not answer: embedded defaults only\n`,
      );
    }
  }
  if (settings.setups.includes("embedded")) {
    setups.push({ name: "PGlite + shared memory" });
  }
  return setups;
}

/** A running platform and what the bench holds on it. */
interface Platform {
  readonly setup: Setup;
  readonly adminUrl: string;
  readonly securityUrl: string;
  readonly dataDir: string;
  readonly process: TestProcess;
  readonly database: TestDatabase | undefined;
  /** The platform's stores (Redis, or the launcher's shared memory). */
  readonly stores: Stores;
  readonly recorder: SecurityEventRecorder;
  /** A superadmin's session token with a verified second factor. */
  readonly token: string;
  /** What the gateway asserts for that token, for the direct subgraph probe. */
  readonly identity: Parameters<typeof signIdentity>[0];
}

async function startBenchPlatform(setup: Setup, tag: string): Promise<Platform> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-bench-events-"));
  const database = setup.databaseUrl ? await createTestDatabase(setup.databaseUrl) : undefined;
  const names = subgraphNames;
  const [main, admin, ...subgraphPorts] = await Promise.all([0, 1, ...names].map(() => freePort()));
  const subgraphUrls = Object.fromEntries(
    names.map((name, i) => [name, `http://127.0.0.1:${subgraphPorts[i]}/graphql`]),
  );
  const keyPrefix = `bench-events-${process.pid}-${tag}:`;
  const env = {
    NODE_ENV: "development",
    RAMPART_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
    PORT: String(main),
    ADMIN_PORT: String(admin),
    DATABASE_URL: database?.url ?? "",
    REDIS_URL: setup.redisUrl ?? "",
    REDIS_KEY_PREFIX: keyPrefix,
    RATE_LIMIT_PER_USER: RAISED_BUDGET,
    RATE_LIMIT_SIGNED_IN_PER_IP: RAISED_BUDGET,
    RATE_LIMIT_ANONYMOUS_PER_IP: RAISED_BUDGET,
    ...Object.fromEntries(names.map((name) => [subgraphUrlVariableOf(name), subgraphUrls[name]])),
  };
  const launcher = startNode(path.join(repositoryRoot, "tools", "dist", "start-platform.js"), env);
  let stores: Stores | undefined;
  try {
    await waitForHttp(`http://127.0.0.1:${admin}/health`, 180_000, 200, launcher);
    stores = setup.redisUrl
      ? createRedisStores({ url: setup.redisUrl, keyPrefix })
      : connectSharedMemoryStores(path.join(dataDir, "stores.sock"));
    const adminUrl = `http://127.0.0.1:${admin}/graphql`;
    const userId = `user_bench_admin_${randomBytes(3).toString("hex")}`;
    const sessionId = `sess_bench_${randomBytes(8).toString("hex")}`;
    const token = await issueDevToken(
      {
        userId,
        sessionId,
        organizationId: SUPERADMIN_ORGANIZATION,
        role: "admin",
        ttlSeconds: 3600,
      },
      {
        privateKeyPem: loadOrCreateDevKeyPair(dataDir, "dev-issuer-rsa").privateKeyPem,
        issuer: DEV_ISSUER,
        authorizedParty: `http://localhost:${main}`,
      },
    );
    await verifySecondFactor(adminUrl, token);
    return {
      setup,
      adminUrl,
      securityUrl: subgraphUrls.security,
      dataDir,
      process: launcher,
      database,
      stores,
      recorder: new SecurityEventRecorder(stores.events),
      token,
      identity: {
        userId,
        sessionId,
        organizationId: SUPERADMIN_ORGANIZATION,
        organizationSlug: SUPERADMIN_ORGANIZATION,
        role: "org:admin",
        permissions: [],
        securityLevel: SecurityLevel.SecondFactor,
        requestId: randomUUID(),
        ip: "127.0.0.1",
      },
    };
  } catch (error) {
    await stores?.close().catch(() => undefined);
    await launcher.stop();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** The end of what the platform's processes printed (warnings and errors: LOG_LEVEL=warn). */
const logTail = (platform: Platform) => platform.process.output().slice(-4_000);

/** POSTs a GraphQL operation with the bearer token; throws on transport or GraphQL errors. */
async function graphql<T>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) {
    throw new Error(`${query.slice(0, 60)}: ${response.status} ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

/** Enrolls and verifies TOTP for the token's session (level SecondFactor), as the README does. */
async function verifySecondFactor(adminUrl: string, token: string): Promise<void> {
  const begin = await graphql<{ beginTwoFactorEnrollment: { secret: string } }>(
    adminUrl,
    token,
    "mutation { beginTwoFactorEnrollment { secret } }",
  );
  const { secret } = begin.beginTwoFactorEnrollment;
  // Two different time steps: a code is accepted once.
  const code = (steps: number) =>
    generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * steps });
  await graphql(
    adminUrl,
    token,
    "mutation($code: String!) { confirmTwoFactorEnrollment(code: $code) { backupCodes } }",
    { code: await code(0) },
  );
  await graphql(
    adminUrl,
    token,
    "mutation($code: String!) { verifyTwoFactor(code: $code) { securityLevel } }",
    { code: await code(1) },
  );
}

/** One fan-out phase: how many subscriptions, on how many sockets, selecting what. */
interface FanoutVariant {
  name: string;
  sockets: number;
  perSocket: number;
  selection: string;
}

/** What one group of subscriptions (the gateway's, or the probe) received. */
class Receipts {
  readonly latencies: number[] = [];
  /** Receipt times per event reason, for the spread between first and last subscriber. */
  readonly byEvent = new Map<string, number[]>();
  duplicates = 0;
  /** Results carrying errors (e.g. a cross-subgraph field that failed). */
  errors = 0;
  readonly errorSamples: string[] = [];
  constructor(private readonly published: Map<string, number>) {}

  /** A subscription's receiver: the first warm-up marks it live; measured events are timed. */
  receiver(state: { live: boolean; seen: Set<string> }) {
    return (at: number, result: FormattedExecutionResult<Record<string, unknown>, unknown>) => {
      if (result.errors?.length) {
        this.errors += 1;
        if (this.errorSamples.length < 3) this.errorSamples.push(JSON.stringify(result.errors));
      }
      const reason = (result.data?.securityEvents as { reason?: string } | undefined)?.reason;
      if (reason === undefined) return;
      if (reason.includes(" warm-up ")) {
        state.live = true;
        return;
      }
      const sentAt = this.published.get(reason);
      if (sentAt === undefined) return;
      if (state.seen.has(reason)) {
        this.duplicates += 1;
        return;
      }
      state.seen.add(reason);
      this.latencies.push(at - sentAt);
      const times = this.byEvent.get(reason) ?? [];
      times.push(at);
      this.byEvent.set(reason, times);
    };
  }

  /** Median and largest spread between an event's first and last receipt, in ms. */
  spread() {
    const spreads = [...this.byEvent.values()].map(
      (times) => Math.max(...times) - Math.min(...times),
    );
    const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
    return {
      median: round(median(spreads)),
      max: round(spreads.length ? Math.max(...spreads) : null),
    };
  }
}

/** The failure of a subscription as one line. */
const describeFailure = (failure: unknown): string =>
  failure instanceof Error
    ? failure.message
    : typeof failure === "object" && failure !== null && "code" in failure
      ? `socket closed ${String((failure as { code: unknown }).code)} ${String((failure as { reason?: unknown }).reason ?? "")}`
      : JSON.stringify(failure);

async function runFanoutPhase(platform: Platform, variant: FanoutVariant, phaseIndex: number) {
  const phase = `${phaseIndex}-${randomBytes(3).toString("hex")}`;
  const published = new Map<string, number>();
  const gateway = new Receipts(published);
  const probe = new Receipts(published);
  const sockets: BenchSocket[] = [];
  const subscriptions: {
    subscription: BenchSubscription;
    state: { live: boolean; seen: Set<string> };
  }[] = [];
  const query = subscriptionOf(variant.selection);
  const record = (reason: string) =>
    platform.recorder.record({
      type: FANOUT_TYPE,
      severity: "info",
      actorId: platform.identity.userId,
      organizationId: ORGANIZATION,
      ip: "127.0.0.1",
      reason,
      requestId: null,
    });
  const openedAt = performance.now();
  try {
    // Sockets open in waves, so connection_init is not a thundering herd the bench then measures.
    for (let first = 0; first < variant.sockets; first += 50) {
      const wave = Array.from({ length: Math.min(50, variant.sockets - first) }, () =>
        openBenchSocket(platform.adminUrl, { authorization: platform.token }),
      );
      sockets.push(...wave);
      await Promise.all(wave.map((socket) => socket.connected));
    }
    const subscribe = (socket: BenchSocket) => {
      const state = { live: false, seen: new Set<string>() };
      subscriptions.push({
        subscription: socket.subscribe(query, {}, gateway.receiver(state)),
        state,
      });
    };
    // The probe: the same subscription straight at the security subgraph, as the gateway opens it.
    // Its assertion is bound to the one subscribe payload the socket sends.
    const probePayload = { query: subscriptionOf(PLAIN), variables: {} };
    const probeSocket = openBenchSocket(platform.securityUrl, {
      [IDENTITY_HEADER]: signIdentity(
        { ...platform.identity, requestId: randomUUID() },
        "security",
        privateKeyFromPem(
          loadOrCreateDevKeyPair(platform.dataDir, "identity-ed25519").privateKeyPem,
        ),
        probePayload,
      ),
    });
    sockets.push(probeSocket);
    const probeState = { live: false, seen: new Set<string>() };
    const probeSubscription = probeSocket.subscribe(
      probePayload.query,
      probePayload.variables,
      probe.receiver(probeState),
    );

    // Warm-up events until every subscription has received one: then all are live upstream.
    let warmUps = 0;
    const warmUp = async () => {
      const all = [...subscriptions, { subscription: probeSubscription, state: probeState }];
      const deadline = Date.now() + 60_000;
      while (!all.every(({ state }) => state.live)) {
        const failed = all.filter(({ subscription }) => subscription.failure !== undefined);
        if (failed.length > 0) {
          throw new Error(
            `${failed.length} subscription(s) failed before the first event: ${describeFailure(failed[0].subscription.failure)}`,
          );
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${all.filter(({ state }) => !state.live).length} subscription(s) received no warm-up event within 60 s`,
          );
        }
        await record(`${phase} warm-up ${warmUps++}`);
        await sleep(250);
      }
    };
    // One subscription first, so the shared execution and its upstream socket exist; then the
    // rest in paced waves. A burst of 1,000 subscribe messages keeps the admin gateway busy for
    // seconds (each is validated and planned, ~1.5 ms), long enough for its Redis calls and its
    // upstream connection_init to time out: measureSubscribeBurst measures that on its own.
    subscribe(sockets[0]);
    await warmUp();
    const targets = sockets
      .slice(0, variant.sockets)
      .flatMap((socket, index) =>
        Array.from(
          { length: index === 0 ? variant.perSocket - 1 : variant.perSocket },
          () => socket,
        ),
      );
    for (let first = 0; first < targets.length; first += SUBSCRIBE_WAVE) {
      if (first > 0) await sleep(SUBSCRIBE_WAVE_PAUSE_MS);
      for (const socket of targets.slice(first, first + SUBSCRIBE_WAVE)) subscribe(socket);
    }
    await warmUp();
    const readyMs = performance.now() - openedAt;
    await sleep(500);

    const started = performance.now();
    for (let k = 0; k < settings.events; k++) {
      const due = started + k * settings.spacingMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const reason = `${phase} event ${k}`;
      published.set(reason, performance.now());
      await record(reason);
    }
    const expected = settings.events * subscriptions.length;
    const waitUntil = performance.now() + 10_000;
    while (
      (gateway.latencies.length + gateway.duplicates < expected ||
        probe.latencies.length < settings.events) &&
      performance.now() < waitUntil
    ) {
      await sleep(50);
    }
    const failures = subscriptions.filter(({ subscription }) => subscription.failure !== undefined);
    return {
      variant: variant.name,
      sockets: variant.sockets,
      subscriptionsPerSocket: variant.perSocket,
      subscriptions: subscriptions.length,
      selection: variant.selection,
      events: settings.events,
      expected,
      delivered: gateway.latencies.length,
      lost: expected - gateway.latencies.length,
      duplicates: gateway.duplicates,
      resultsWithErrors: gateway.errors,
      errorSamples: gateway.errorSamples,
      failedSubscriptions: failures.length,
      failureSample: failures[0] ? describeFailure(failures[0].subscription.failure) : null,
      latencyMs: summarize(gateway.latencies),
      spreadFirstToLastMs: gateway.spread(),
      probe: {
        expected: settings.events,
        delivered: probe.latencies.length,
        latencyMs: summarize(probe.latencies),
      },
      warmUpEvents: warmUps,
      readyMs: Math.round(readyMs),
    };
  } finally {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    // Lets the gateway end the shared execution before the next phase opens a new one.
    await sleep(1_000);
  }
}

/**
 * 1,000 subscribe messages at once on 40 sockets, as when every dashboard reconnects after a
 * restart (the cross-subgraph selection, the costlier to plan): how many fail, and how long
 * until all the others are live.
 */
async function measureSubscribeBurst(platform: Platform) {
  const tag = `burst-${randomBytes(3).toString("hex")}`;
  const socketCount = Math.ceil(settings.subscribers / PER_SOCKET);
  const sockets: BenchSocket[] = [];
  const live: { subscription: BenchSubscription; live: boolean }[] = [];
  try {
    for (let first = 0; first < socketCount; first += 50) {
      const wave = Array.from({ length: Math.min(50, socketCount - first) }, () =>
        openBenchSocket(platform.adminUrl, { authorization: platform.token }),
      );
      sockets.push(...wave);
      await Promise.all(wave.map((socket) => socket.connected));
    }
    const started = performance.now();
    for (let i = 0; i < settings.subscribers; i++) {
      const entry = { live: false } as { subscription: BenchSubscription; live: boolean };
      entry.subscription = sockets[Math.floor(i / PER_SOCKET)].subscribe(
        subscriptionOf(CROSS_SUBGRAPH),
        {},
        () => (entry.live = true),
      );
      live.push(entry);
    }
    const settled = () => live.every((s) => s.live || s.subscription.failure !== undefined);
    let warmUps = 0;
    while (!settled() && performance.now() - started < 60_000) {
      await platform.recorder.record({
        type: FANOUT_TYPE,
        severity: "info",
        actorId: platform.identity.userId,
        organizationId: ORGANIZATION,
        ip: "127.0.0.1",
        reason: `${tag} warm-up ${warmUps++}`,
        requestId: null,
      });
      await sleep(100);
    }
    const failures = new Map<string, number>();
    for (const { subscription } of live) {
      if (subscription.failure === undefined) continue;
      const reason = describeFailure(subscription.failure);
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    }
    return {
      subscribeMessages: settings.subscribers,
      sockets: socketCount,
      live: live.filter((s) => s.live).length,
      failed: live.filter((s) => s.subscription.failure !== undefined).length,
      failures: Object.fromEntries(failures),
      settledAfterMs: settled() ? Math.round(performance.now() - started) : null,
    };
  } finally {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await sleep(1_000);
  }
}

type FanoutResult = Awaited<ReturnType<typeof runFanoutPhase>>;

async function measureFanout(platform: Platform) {
  const n = settings.subscribers;
  const variants: FanoutVariant[] = [
    { name: "baseline: 1 subscription", sockets: 1, perSocket: 1, selection: PLAIN },
    {
      name: `${n} = ${Math.ceil(n / PER_SOCKET)} sockets × ${PER_SOCKET}`,
      sockets: Math.ceil(n / PER_SOCKET),
      perSocket: PER_SOCKET,
      selection: PLAIN,
    },
    { name: `${n} = ${n} sockets × 1`, sockets: n, perSocket: 1, selection: PLAIN },
    {
      name: `${n} = ${Math.ceil(n / PER_SOCKET)} × ${PER_SOCKET}, with organization { name } (commerce)`,
      sockets: Math.ceil(n / PER_SOCKET),
      perSocket: PER_SOCKET,
      selection: CROSS_SUBGRAPH,
    },
  ];
  const phases: (FanoutResult | { variant: string; error: string; platformLog: string })[] = [];
  for (const [index, variant] of variants.entries()) {
    try {
      phases.push(await runFanoutPhase(platform, variant, index));
    } catch (error) {
      phases.push({
        variant: variant.name,
        error: (error as Error).message,
        platformLog: logTail(platform),
      });
      process.stderr.write(
        `fan-out "${variant.name}" failed: ${(error as Error).message}; the platform logged:\n${logTail(platform)}\n`,
      );
    }
  }
  const baseline = phases[0] && "latencyMs" in phases[0] ? phases[0].latencyMs : null;
  const burst = await measureSubscribeBurst(platform).catch((error: unknown) => ({
    error: (error as Error).message,
  }));
  const measured = phases.map((phase, index) =>
    index > 0 && "latencyMs" in phase && phase.latencyMs && baseline
      ? {
          ...phase,
          toBaseline: {
            p50: Math.round((phase.latencyMs.p50 / baseline.p50) * 100) / 100,
            p99: Math.round((phase.latencyMs.p99 / baseline.p99) * 100) / 100,
          },
        }
      : phase,
  );
  return { phases: measured, burst };
}

/** Counts this run's ingest rows; for PGlite, which only its process may open, see below. */
type StoredProgress = () => Promise<boolean>;

async function measureIngest(platform: Platform, database: Database | undefined) {
  const n = settings.ingestEvents;
  const events: SecurityEvent[] = new Array(n);
  const input = (i: number): SecurityEventInput => ({
    type: INGEST_TYPE,
    severity: "info",
    actorId: `user_bench_${i % 100}`,
    organizationId: ORGANIZATION,
    ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
    reason: `ingest ${i}`,
    requestId: randomUUID(),
  });
  let stored: StoredProgress;
  if (database) {
    stored = async () => {
      const [row] = await sql<{ n: number }>(
        database,
        "select count(*)::int as n from security_events where type = ?",
        [INGEST_TYPE],
      );
      return row.n >= n;
    };
  } else {
    // PGlite belongs to the security subgraph's process: ask it for the newest ingest event.
    // Events are stored in stream order, and the last one is appended after all the others.
    stored = async () => {
      const data = await graphql<{ securityEvents: { edges: { node: { id: string } }[] } }>(
        platform.adminUrl,
        platform.token,
        `{ securityEvents(filter: {types: ["${INGEST_TYPE}"]}, first: 1) { edges { node { id } } } }`,
      );
      return data.securityEvents.edges[0]?.node.id === events[n - 1]?.id;
    };
  }

  if (platform.process.child.exitCode !== null || platform.process.child.signalCode !== null) {
    throw new Error(`the platform exited before the ingest; it logged:\n${logTail(platform)}`);
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: settings.ingestConcurrency }, async () => {
      while (next < n - 1) {
        const i = next++;
        events[i] = await platform.recorder.record(input(i));
      }
    }),
  );
  events[n - 1] = await platform.recorder.record(input(n - 1));
  const appendedMs = performance.now() - started;
  let storedMs: number | null = null;
  const deadline = started + settings.ingestTimeoutMs;
  while (performance.now() < deadline) {
    if (await stored()) {
      storedMs = performance.now() - started;
      break;
    }
    await sleep(database ? 50 : 100);
  }
  if (storedMs === null) {
    process.stderr.write(
      `ingest not stored within ${settings.ingestTimeoutMs} ms; the platform logged:\n${logTail(platform)}\n`,
    );
  }
  return {
    events,
    result: {
      events: n,
      concurrency: settings.ingestConcurrency,
      appendedMs: Math.round(appendedMs),
      appendedPerSecond: Math.round((n / appendedMs) * 1000),
      storedMs: storedMs === null ? null : Math.round(storedMs),
      storedPerSecond: storedMs === null ? null : Math.round((n / storedMs) * 1000),
      completionSeenBy: database
        ? "count(*) polled every 50 ms"
        : "newest stored event polled every 100 ms (GraphQL)",
      ...(storedMs === null ? { platformLog: logTail(platform) } : {}),
    },
  };
}

/** Opens the security subgraph's database (PGlite only once the platform has stopped). */
function openSecurityDatabase(platform: Platform): Promise<Database> {
  return openDatabase({
    schema: "security",
    entities: [StoredSecurityEvent],
    migrations: [],
    migrate: false,
    databaseUrl: platform.database?.url,
    pgliteDataDir: path.join(platform.dataDir, "pglite", "security"),
  });
}

/** Rows of a raw SQL statement on the security subgraph's database (search path: its schema). */
async function sql<T = Record<string, unknown>>(
  database: Database,
  statement: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (await database.orm.em.getConnection().execute(statement, params)) as T[];
}

/** Every appended id stored exactly once, nothing else of this type, and the chain intact. */
async function checkStored(database: Database, events: readonly SecurityEvent[]) {
  const rows = await sql<{ id: string }>(
    database,
    "select id from security_events where type = ?",
    [INGEST_TYPE],
  );
  const stored = new Set(rows.map((row) => row.id));
  const expected = new Set(events.map((event) => event.id));
  const chain = await verifyAuditChain(database.orm.em.fork());
  return {
    rows: rows.length,
    distinctIds: stored.size,
    missing: [...expected].filter((id) => !stored.has(id)).length,
    unexpected: [...stored].filter((id) => !expected.has(id)).length,
    duplicates: rows.length - stored.size,
    chain,
  };
}

/** The same rows, plain multi-row INSERTs into a scratch copy of the table: no chain, no consumer. */
async function insertBaseline(database: Database) {
  const rows = await sql(
    database,
    "select * from security_events where type = ? order by sequence",
    [INGEST_TYPE],
  );
  if (rows.length === 0) return null;
  const columns = Object.keys(rows[0]);
  await sql(database, "drop schema if exists bench_scratch cascade");
  await sql(database, "create schema bench_scratch");
  await sql(
    database,
    "create table bench_scratch.security_events (like security_events including all)",
  );
  const rowParameters = `(${columns.map(() => "?").join(", ")})`;
  const started = performance.now();
  for (let first = 0; first < rows.length; first += settings.baselineBatch) {
    const batch = rows.slice(first, first + settings.baselineBatch);
    await sql(
      database,
      `insert into bench_scratch.security_events (${columns.map((c) => `"${c}"`).join(", ")}) values ${batch.map(() => rowParameters).join(", ")}`,
      batch.flatMap((row) => columns.map((column) => row[column])),
    );
  }
  const elapsedMs = performance.now() - started;
  await sql(database, "drop schema bench_scratch cascade");
  return {
    rows: rows.length,
    rowsPerInsert: settings.baselineBatch,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSecond: Math.round((rows.length / elapsedMs) * 1000),
  };
}

async function benchSetup(setup: Setup, index: number) {
  process.stderr.write(`${setup.name}: starting the platform\n`);
  const platform = await startBenchPlatform(setup, String(index));
  let database: Database | undefined;
  let fanout: Awaited<ReturnType<typeof measureFanout>> | undefined;
  let ingest: Awaited<ReturnType<typeof measureIngest>> | undefined;
  try {
    if (platform.database) database = await openSecurityDatabase(platform);
    process.stderr.write(`${setup.name}: fan-out\n`);
    fanout = await measureFanout(platform);
    process.stderr.write(`${setup.name}: ingest of ${settings.ingestEvents} events\n`);
    ingest = await measureIngest(platform, database);
  } finally {
    await platform.process.stop();
    // The stream is the one large thing the run leaves in a shared Redis.
    if (platform.stores.kind === "redis") {
      await platform.stores.kv.delete(SECURITY_EVENT_STREAM).catch(() => false);
    }
    await platform.stores.close().catch(() => undefined);
  }
  try {
    database ??= await openSecurityDatabase(platform);
    const check = ingest ? await checkStored(database, ingest.events) : null;
    const baseline = await insertBaseline(database);
    const pipeline = ingest?.result;
    return {
      setup: setup.name,
      services: {
        database: setup.databaseUrl ? "postgres" : "pglite",
        stores: setup.redisUrl ? "redis" : "shared memory",
      },
      fanout,
      ingest: pipeline && {
        ...pipeline,
        check,
        baseline,
        toBaseline:
          pipeline.storedPerSecond && baseline
            ? Math.round((pipeline.storedPerSecond / baseline.rowsPerSecond) * 1000) / 1000
            : null,
      },
    };
  } finally {
    await database?.close();
    await platform.database?.drop();
    fs.rmSync(platform.dataDir, { recursive: true, force: true });
  }
}

type SetupResult = Awaited<ReturnType<typeof benchSetup>>;

function printTable(results: readonly SetupResult[]): string {
  const lines = [
    "fan-out (publish -> receipt, ms)        subs  delivered/expected   p50    p99    max  ×base p50/p99  probe p50/p99",
  ];
  for (const result of results) {
    lines.push(`${result.setup}`);
    for (const phase of result.fanout?.phases ?? []) {
      if ("error" in phase) {
        lines.push(`  ${phase.variant}: FAILED ${phase.error}`);
        continue;
      }
      const latency = phase.latencyMs;
      const ratio = "toBaseline" in phase ? `${phase.toBaseline.p50}/${phase.toBaseline.p99}` : "-";
      lines.push(
        `  ${phase.variant.slice(0, 36).padEnd(36)} ${String(phase.subscriptions).padStart(5)}  ${`${phase.delivered}/${phase.expected}`.padStart(17)}  ${String(latency?.p50 ?? "-").padStart(5)}  ${String(latency?.p99 ?? "-").padStart(5)}  ${String(latency?.max ?? "-").padStart(5)}  ${ratio.padStart(13)}  ${phase.probe.latencyMs?.p50 ?? "-"}/${phase.probe.latencyMs?.p99 ?? "-"}`,
      );
    }
    const burst = result.fanout?.burst;
    if (burst) {
      lines.push(
        "error" in burst
          ? `  burst of subscribe messages: FAILED ${burst.error}`
          : `  burst: ${burst.subscribeMessages} subscribe messages at once on ${burst.sockets} sockets: ${burst.live} live, ${burst.failed} failed ${JSON.stringify(burst.failures)}, settled after ${burst.settledAfterMs ?? "-"} ms`,
      );
    }
  }
  lines.push(
    "",
    "ingest                   events  stored/s  baseline rows/s  ratio  lost  dup  chain",
  );
  for (const result of results) {
    const ingest = result.ingest;
    if (!ingest) continue;
    lines.push(
      `${result.setup.padEnd(24)} ${String(ingest.events).padStart(6)}  ${String(ingest.storedPerSecond ?? "timeout").padStart(8)}  ${String(ingest.baseline?.rowsPerSecond ?? "-").padStart(15)}  ${String(ingest.toBaseline ?? "-").padStart(5)}  ${String(ingest.check?.missing ?? "-").padStart(4)}  ${String(ingest.check?.duplicates ?? "-").padStart(3)}  ${ingest.check?.chain.ok ? "ok" : "BROKEN"}`,
    );
  }
  return lines.join("\n");
}

runTool(async () => {
  const startedAt = Date.now();
  const setups = await detectSetups();
  const results: SetupResult[] = [];
  for (const [index, setup] of setups.entries()) results.push(await benchSetup(setup, index));
  const report = {
    benchmark: "security events: fan-out through the admin gateway, and ingest",
    date: new Date().toISOString(),
    machine: benchMachine(),
    settings: {
      ...settings,
      rateLimits: `RATE_LIMIT_PER_USER, RATE_LIMIT_SIGNED_IN_PER_IP and RATE_LIMIT_ANONYMOUS_PER_IP raised to ${RAISED_BUDGET} per window, so every subscribe message is decided and none refused`,
      subscription: subscriptionOf(PLAIN),
      latency:
        "performance.now() in this process before the event is appended to the stream, and when the graphql-ws client hands over the result",
    },
    targets: { fanoutP99Ms: 50, fanoutLost: 0, ingestPerSecond: 5_000 },
    results,
    durationSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  const written = writeBenchResults(repositoryRoot, "events", report);
  process.stdout.write(
    `${printTable(results)}\n\ntook ${report.durationSeconds} s; wrote ${written}\n`,
  );
});
