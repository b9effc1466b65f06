import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execute, parse, subscribe, type ExecutionResult, type GraphQLSchema } from "graphql";
import { createLogger, SecurityLevel, type Identity } from "@rampart/kit";
import {
  createRules,
  fieldsWithoutRules,
  runSubgraph,
  type RunningSubgraph,
  type SubgraphContext,
  type SubgraphRuntime,
} from "@rampart/kit/subgraph";
import type { Stores } from "@rampart/kit/stores";
import { dropSchema, testIdentity, uniqueName } from "@rampart/kit/testing";
import { parseSecurityConfig, type SecurityConfig } from "../../src/config";
import { securityRuleTree } from "../../src/permissions";
import type { SecurityServices } from "../../src/services";
import { securitySubgraph } from "../../src/subgraph";
import { openTestStores, setups, take, waitFor } from "./support/security-event-fixtures";

const logger = createLogger({ service: "security-live-test", level: "silent" });

const superAdmin = (overrides: Partial<Identity> = {}): Identity =>
  testIdentity({
    userId: "user_live_root",
    organizationId: "org_rampart_admin",
    role: "org:admin",
    securityLevel: SecurityLevel.SecondFactor,
    ip: "192.0.2.10",
    ...overrides,
  });

const EVENTS = `subscription Events($filter: SecurityEventFilter, $after: ID) {
  securityEvents(filter: $filter, after: $after) {
    id type severity actorId organizationId reason occurredAt actor { id } organization { id }
  }
}`;
const ALERTS = `subscription Alerts($status: [AlertStatus!]) {
  securityAlerts(status: $status) { id rule severity status title occurrences acknowledgedById resolvedById }
}`;
const ALERT_FIELDS = `id rule dedupKey severity status title summary occurrences firstSeenAt lastSeenAt
  acknowledgedById acknowledgedAt acknowledgementNote resolvedById resolvedAt resolutionNote`;

type Result = ExecutionResult<Record<string, unknown>>;
type Stream = AsyncGenerator<Result>;

const codesOf = (result: Result) => (result.errors ?? []).map((error) => error.extensions.code);

describe.each(setups)("security subscriptions and alerts on $name", (setup) => {
  const schemaName = uniqueName("security_live");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-live-"));
  let stores: Stores;
  let running: RunningSubgraph<SecurityConfig, SecurityServices>;
  let runtime: SubgraphRuntime<SecurityConfig>;
  let services: SecurityServices;
  let schema: GraphQLSchema;
  let sdl: string;
  const streams: Stream[] = [];

  const contextFor = (identity: Identity): SubgraphContext => ({
    identity,
    em: running.database.orm.em.fork(),
    log: logger,
    runtime,
    services,
  });
  /** Subscribes as `identity`: the stream, or the result refusing it. */
  const open = async (
    query: string,
    variables: Record<string, unknown> = {},
    identity = superAdmin(),
  ): Promise<Stream | Result> => {
    const outcome = await subscribe({
      schema,
      document: parse(query),
      variableValues: variables,
      contextValue: contextFor(identity),
    });
    if (Symbol.asyncIterator in outcome) {
      streams.push(outcome as Stream);
      return outcome as Stream;
    }
    return outcome as Result;
  };
  const stream = async (query: string, variables: Record<string, unknown> = {}) => {
    const outcome = await open(query, variables);
    if (!(Symbol.asyncIterator in outcome)) throw new Error(JSON.stringify(outcome.errors));
    return outcome;
  };
  const run = async (
    query: string,
    variables: Record<string, unknown> = {},
    identity = superAdmin(),
  ) =>
    (await execute({
      schema,
      document: parse(query),
      variableValues: variables,
      contextValue: contextFor(identity),
    })) as Result;
  const record = (type: string, n: number, severity: "low" | "high" = "low") =>
    runtime.securityEvents.record({
      type,
      severity,
      actorId: `user_${n}`,
      organizationId: "org_demo_acme",
      ip: "198.51.100.20",
      reason: `${type} ${n}`,
      requestId: `req_${n}`,
    });
  const storedCount = async (type: string) =>
    (
      await running.database.orm.em
        .getConnection()
        .execute(`select count(*)::int as n from "security_events" where "type" = ?`, [type])
    )[0].n as number;

  beforeAll(async () => {
    stores = openTestStores(setup);
    const config: SecurityConfig = parseSecurityConfig({
      PORT: "0",
      LOG_LEVEL: "silent",
      DATABASE_URL: setup.databaseUrl,
      RAMPART_DATA_DIR: dataDir,
      SEED_DEMO_DATA: "false",
      SECURITY_EVENT_FEED_POLL_MS: "200",
      ALERT_FAILED_LOGINS_PER_HOUR: "3",
    });
    running = await runSubgraph(
      {
        ...securitySubgraph,
        services: (started) => {
          runtime = started;
          services = securitySubgraph.services(started);
          return services;
        },
      },
      config,
      { schemaName, pgliteDataDir: "memory://", stores },
    );
    ({ schema, sdl } = await securitySubgraph.buildSchema(config, runtime));
  });

  afterAll(async () => {
    await Promise.all(streams.map((open) => open.return(undefined)));
    await running?.stop();
    await stores?.close();
    if (setup.databaseUrl) await dropSchema(setup.databaseUrl, schemaName);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await Promise.all(streams.splice(0).map((open) => open.return(undefined)));
  });

  it("tags every new element admin and gives every new field a rule", () => {
    const missing = fieldsWithoutRules(schema, securityRuleTree(createRules()));
    expect(missing.filter((field) => /Alert|^Subscription\./.test(field))).toEqual([]);
    for (const element of [
      /securityEvents\(\s*"""[^"]*"""\s*after: ID\s*filter: SecurityEventFilter\s*\): SecurityEvent! @tag\(name: "admin"\)/,
      /securityAlerts\(status: \[AlertStatus!\]\): SecurityAlert! @tag\(name: "admin"\)/,
      /securityAlerts\(status: \[AlertStatus!\]\): \[SecurityAlert!\]! @tag\(name: "admin"\)/,
      /acknowledgeAlert\([^)]*\): SecurityAlert! @tag\(name: "admin"\)/s,
      /resolveAlert\([^)]*\): SecurityAlert! @tag\(name: "admin"\)/s,
      /type SecurityAlert @tag\(name: "admin"\)/,
      // The main contract hides the type with its fields (see kit's tagAdminOnlySubscriptionType).
      /type Subscription @tag\(name: "admin"\)/,
    ]) {
      expect(sdl).toMatch(element);
    }
  });

  it.each([
    [
      "an anonymous caller",
      { userId: null, securityLevel: SecurityLevel.Anonymous },
      "UNAUTHENTICATED",
    ],
    ["an organization admin", { organizationId: "org_demo_acme" }, "FORBIDDEN"],
    [
      "a superadmin without a second factor",
      { securityLevel: SecurityLevel.SignedIn },
      "STEP_UP_REQUIRED",
    ],
  ])("refuses %s when subscribing, before any stream opens", async (_who, overrides, code) => {
    for (const query of [EVENTS, ALERTS]) {
      const outcome = await open(query, {}, superAdmin(overrides as Partial<Identity>));
      expect(Symbol.asyncIterator in outcome).toBe(false);
      expect(codesOf(outcome as Result)).toEqual([code]);
    }
    expect(services.securityEventFeed.openStreams).toBe(0);
  });

  it("streams events as they are stored, with the references other subgraphs resolve", async () => {
    const live = await stream(EVENTS, { filter: { types: ["test.live"] } });
    const first = await record("test.live", 1);
    await record("test.other", 2);
    const second = await record("test.live", 3, "high");
    const [a, b] = await take(live, 2);
    expect(a).toEqual({
      data: {
        securityEvents: {
          id: first.id,
          type: "test.live",
          severity: "low",
          actorId: "user_1",
          organizationId: "org_demo_acme",
          reason: "test.live 1",
          occurredAt: first.occurredAt,
          actor: null,
          organization: { id: "org_demo_acme" },
        },
      },
    });
    expect(b.data?.securityEvents).toMatchObject({ id: second.id, severity: "high" });
    await live.return(undefined);
    expect(services.securityEventFeed.openStreams).toBe(0);
  });

  it("replays what was stored after an event id, then goes on live, with no gap and no duplicate", async () => {
    const recorded = [];
    for (let n = 0; n < 3; n += 1) recorded.push(await record("test.replay", n));
    await waitFor("the events stored", async () => (await storedCount("test.replay")) === 3);
    const resumed = await stream(EVENTS, {
      filter: { types: ["test.replay"] },
      after: recorded[0].id,
    });
    const replayed = await take(resumed, 2);
    recorded.push(await record("test.replay", 3));
    const live = await take(resumed, 1);
    expect(
      [...replayed, ...live].map((result) => (result.data?.securityEvents as { id: string }).id),
    ).toEqual(recorded.slice(1).map((event) => event.id));
  });

  it.each([
    [
      "an after that names no event",
      { after: "00000000-0000-4000-8000-000000000000" },
      "NOT_FOUND",
      "after",
    ],
    ["a malformed after", { after: "not-an-id" }, "BAD_USER_INPUT", "after"],
    [
      "a 10,000-item types list",
      { filter: { types: Array.from({ length: 10_000 }, (_, n) => `t${n}`) } },
      "BAD_USER_INPUT",
      "filter.types",
    ],
    [
      "an unknown severity",
      { filter: { severities: ["urgent"] } },
      "BAD_USER_INPUT",
      "filter.severities",
    ],
  ])("refuses %s with a typed error", async (_name, variables, code, field) => {
    const outcome = await open(EVENTS, variables);
    expect(Symbol.asyncIterator in outcome).toBe(false);
    expect((outcome as Result).errors?.[0]?.extensions).toMatchObject({ code, field });
    expect(services.securityEventFeed.openStreams).toBe(0);
  });

  it("raises an alert past the threshold, streams it and its events, and moves it through its statuses", async () => {
    const alerts = await stream(ALERTS);
    const resolvedOnly = await stream(ALERTS, { status: ["RESOLVED"] });
    const alertEvents = await stream(EVENTS, {
      filter: { types: ["alert.raised", "alert.acknowledged", "alert.resolved"] },
    });
    for (let n = 0; n < 4; n += 1) await record("authentication.failed", n);

    const [raised] = await take(alerts, 1);
    const alert = raised.data?.securityAlerts as { id: string };
    expect(alert).toMatchObject({
      rule: "failed-logins",
      severity: "high",
      status: "OPEN",
      title: "More than 3 failed logins in an hour",
      occurrences: 1,
      acknowledgedById: null,
    });
    const [raisedEvent] = await take(alertEvents, 1);
    expect(raisedEvent.data?.securityEvents).toMatchObject({
      type: "alert.raised",
      severity: "high",
      actorId: null,
    });
    expect((raisedEvent.data?.securityEvents as { reason: string }).reason).toContain(alert.id);

    const listed = await run(`{ securityAlerts(status: [OPEN]) { ${ALERT_FIELDS} } }`);
    expect(listed.errors).toBeUndefined();
    expect(listed.data?.securityAlerts).toEqual([
      expect.objectContaining({ id: alert.id, status: "OPEN", dedupKey: "failed-logins" }),
    ]);

    const acknowledged = await run(
      `mutation($id: ID!) { acknowledgeAlert(id: $id, note: "  looking into it ") { ${ALERT_FIELDS} } }`,
      { id: alert.id },
    );
    expect(acknowledged.errors).toBeUndefined();
    expect(acknowledged.data?.acknowledgeAlert).toMatchObject({
      status: "ACKNOWLEDGED",
      acknowledgedById: "user_live_root",
      acknowledgementNote: "looking into it",
    });
    expect((await take(alerts, 1))[0].data?.securityAlerts).toMatchObject({
      id: alert.id,
      status: "ACKNOWLEDGED",
      acknowledgedById: "user_live_root",
    });
    expect((await take(alertEvents, 1))[0].data?.securityEvents).toMatchObject({
      type: "alert.acknowledged",
      severity: "high",
      actorId: "user_live_root",
      organizationId: "org_rampart_admin",
    });

    const again = await run(`mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }`, {
      id: alert.id,
    });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });

    const resolved = await run(
      `mutation($id: ID!) { resolveAlert(id: $id, note: "false alarm") { ${ALERT_FIELDS} } }`,
      { id: alert.id },
    );
    expect(resolved.data?.resolveAlert).toMatchObject({
      status: "RESOLVED",
      resolvedById: "user_live_root",
      resolutionNote: "false alarm",
      acknowledgedById: "user_live_root",
    });
    expect((await take(alerts, 1))[0].data?.securityAlerts).toMatchObject({ status: "RESOLVED" });
    expect((await take(resolvedOnly, 1))[0].data?.securityAlerts).toMatchObject({
      id: alert.id,
      status: "RESOLVED",
    });
    expect((await take(alertEvents, 1))[0].data?.securityEvents).toMatchObject({
      type: "alert.resolved",
    });

    for (const mutation of ["acknowledgeAlert", "resolveAlert"]) {
      const refused = await run(`mutation($id: ID!) { ${mutation}(id: $id) { id } }`, {
        id: alert.id,
      });
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "id",
      });
      expect(refused.errors?.[0]?.message).toMatch(/resolved/);
    }
  });

  it.each([
    ["an unknown id", { id: "00000000-0000-4000-8000-000000000000" }, "NOT_FOUND"],
    ["a malformed id", { id: "42" }, "NOT_FOUND"],
    [
      "a note over 1000 characters",
      { id: "00000000-0000-4000-8000-000000000000", note: "n".repeat(1_001) },
      "BAD_USER_INPUT",
    ],
  ])("refuses to acknowledge or resolve with %s", async (_name, variables, code) => {
    for (const mutation of ["acknowledgeAlert", "resolveAlert"]) {
      const refused = await run(
        `mutation($id: ID!, $note: String) { ${mutation}(id: $id, note: $note) { id } }`,
        variables,
      );
      expect(refused.data ?? null).toBeNull();
      expect(codesOf(refused)).toEqual([code]);
    }
  });

  it("refuses alert queries and mutations to callers who are not superadmins", async () => {
    const orgAdmin = superAdmin({ organizationId: "org_demo_acme" });
    const listed = await run(`{ securityAlerts { id } }`, {}, orgAdmin);
    expect(codesOf(listed)).toEqual(["FORBIDDEN"]);
    const changed = await run(
      `mutation { acknowledgeAlert(id: "00000000-0000-4000-8000-000000000000") { id } }`,
      {},
      orgAdmin,
    );
    expect(codesOf(changed)).toEqual(["FORBIDDEN"]);
  });
});
