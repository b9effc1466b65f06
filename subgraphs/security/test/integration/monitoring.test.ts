import os from "node:os";
import { LockdownSwitch, type Identity, type SecurityEventInput } from "@rampart/kit";
import { createRules, fieldsWithoutRules, type RunningSubgraph } from "@rampart/kit/subgraph";
import type { Stores } from "@rampart/kit/stores";
import { SystemHealthChecker, type SystemMetrics } from "../../src/modules/monitoring";
import { TwoFactorCredential } from "../../src/modules/two-factor/two-factor.entity";
import { securityRuleTree } from "../../src/permissions";
import { buildSecuritySchema } from "../../src/schema";
import {
  codesOf,
  fakeSubgraph,
  monitoringSetups,
  refusedCallers,
  startMonitoredSubgraph,
  superAdmin,
  waitFor,
  type MonitoredSubgraph,
} from "./support/monitored-subgraph";

const METRICS = `query Metrics($window: MetricsWindow!) {
  securityMetrics(window: $window) {
    window since sampledAt totalEvents eventCounts { type count }
    sessionsStarted failedLogins authenticationSuccessRate ipViolations rateLimitHits
    activeSessions twoFactorAdoption { admins enrolled rate lookbackDays }
    lockdown { active reason actorId changedAt }
  }
}`;
const HEALTH = `{ systemHealth { status checkedAt components { name status latencyMs error } } }`;
const SYSTEM = `{ systemMetrics {
  hostname platform sampledAt
  cpu { cores model loadAverage utilizationPercent processPercent intervalMs }
  memory { totalBytes freeBytes usedBytes usedPercent processRssBytes processHeapUsedBytes processHeapTotalBytes }
  disk { path totalBytes freeBytes availableBytes usedBytes usedPercent }
  network { name receivedBytes receivedPackets receivedErrors receivedDropped sentBytes sentPackets sentErrors sentDropped }
  connections { tcpByState { state count } tcpTotal processOpenFileDescriptors }
  uptime { systemSeconds processSeconds }
} }`;

interface Metrics {
  window: string;
  since: string;
  sampledAt: string;
  totalEvents: number;
  eventCounts: { type: string; count: number }[];
  sessionsStarted: number;
  failedLogins: number;
  authenticationSuccessRate: number | null;
  ipViolations: number;
  rateLimitHits: number;
  activeSessions: number;
  twoFactorAdoption: {
    admins: number;
    enrolled: number;
    rate: number | null;
    lookbackDays: number;
  };
  lockdown: { active: boolean; reason: string; actorId: string | null; changedAt: string | null };
}

describe.each(monitoringSetups)("monitoring on $name", (setup) => {
  let subgraph: MonitoredSubgraph;
  let running: RunningSubgraph;
  let stores: Stores;

  const query = async <T>(
    document: string,
    identity: Identity = superAdmin(),
    variables?: Record<string, unknown>,
  ) => {
    const result = await subgraph.query(document, identity, variables);
    return { ...result, data: result.body.data as T | undefined };
  };
  const metrics = async (window: string) => {
    const { data, body } = await query<{ securityMetrics: Metrics }>(METRICS, superAdmin(), {
      window,
    });
    expect(body.errors).toBeUndefined();
    return data!.securityMetrics;
  };

  beforeAll(async () => {
    subgraph = await startMonitoredSubgraph(setup);
    ({ running, stores } = subgraph);
  });
  afterAll(() => subgraph?.stop());

  describe("securityMetrics", () => {
    it("on an empty platform: zeros, a null success rate and adoption, lockdown off", async () => {
      const empty = await metrics("LAST_5_MINUTES");
      expect(empty).toMatchObject({
        window: "LAST_5_MINUTES",
        sessionsStarted: 0,
        failedLogins: 0,
        authenticationSuccessRate: null,
        ipViolations: 0,
        rateLimitHits: 0,
        activeSessions: 0,
        twoFactorAdoption: { admins: 0, enrolled: 0, rate: null, lookbackDays: 30 },
        lockdown: { active: false, changedAt: null },
      });
      expect(Date.parse(empty.sampledAt) - Date.parse(empty.since)).toBe(5 * 60_000);
    });

    describe("with recorded events", () => {
      const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
      const event = (
        type: string,
        minutes: number,
        overrides: Partial<SecurityEventInput> = {},
      ): SecurityEventInput => ({
        type,
        severity: "medium",
        actorId: null,
        organizationId: null,
        ip: "198.51.100.7",
        reason: "test",
        requestId: null,
        occurredAt: minutesAgo(minutes),
        ...overrides,
      });
      const started = (userId: string, role: string, minutes: number) =>
        event("session.started", minutes, {
          severity: "info",
          actorId: userId,
          reason: `role=${role}`,
        });
      const HOUR = 60;
      const DAY = 24 * HOUR;
      const inputs: SecurityEventInput[] = [
        started("user_admin_a", "org:admin", 1),
        started("user_member", "org:member", 1),
        started("user_nobody", "none", 1),
        started("user_admin_b", "org:admin", 3 * HOUR),
        started("user_admin_c", "admin", 20 * DAY),
        started("user_admin_old", "org:admin", 40 * DAY),
        ...[1, 1, 1, 30, 30, 3 * DAY, 10 * DAY, 10 * DAY].map((m) =>
          event("authentication.failed", m),
        ),
        event("ip_allowlist.refused", 1),
        event("ip.refused", 30),
        event("rate_limit.exceeded", 1),
        event("rate_limit.exceeded", 1),
        event("rate_limit.exceeded", 3 * HOUR),
      ];

      beforeAll(async () => {
        for (const input of inputs) await running.runtime.securityEvents.record(input);
        // Stored in stream order: once the last one counts, every one does.
        await waitFor("events stored", async () => {
          const all = await metrics("LAST_7_DAYS");
          return all.sessionsStarted === 4 && all.rateLimitHits === 3;
        });
        const em = running.database.orm.em.fork();
        for (const [userId, enabledAt] of [
          ["user_admin_a", new Date()],
          ["user_admin_b", null],
          ["user_member", new Date()],
          ["user_admin_old", new Date()],
        ] as const) {
          em.create(TwoFactorCredential, { userId, sealedSecret: "sealed", enabledAt });
        }
        await em.flush();
      });

      it.each([
        ["LAST_5_MINUTES", { started: 3, failed: 3, ip: 1, rateLimit: 2 }],
        ["LAST_HOUR", { started: 3, failed: 5, ip: 2, rateLimit: 2 }],
        ["LAST_24_HOURS", { started: 4, failed: 5, ip: 2, rateLimit: 3 }],
        ["LAST_7_DAYS", { started: 4, failed: 6, ip: 2, rateLimit: 3 }],
      ])("counts the events of %s", async (window, expected) => {
        const figures = await metrics(window);
        expect({
          sessionsStarted: figures.sessionsStarted,
          failedLogins: figures.failedLogins,
          authenticationSuccessRate: figures.authenticationSuccessRate,
          ipViolations: figures.ipViolations,
          rateLimitHits: figures.rateLimitHits,
        }).toEqual({
          sessionsStarted: expected.started,
          failedLogins: expected.failed,
          authenticationSuccessRate: expected.started / (expected.started + expected.failed),
          ipViolations: expected.ip,
          rateLimitHits: expected.rateLimit,
        });
        const counts = Object.fromEntries(figures.eventCounts.map((c) => [c.type, c.count]));
        expect(counts).toMatchObject({
          "session.started": expected.started,
          "authentication.failed": expected.failed,
          "rate_limit.exceeded": expected.rateLimit,
        });
        expect(figures.totalEvents).toBe(figures.eventCounts.reduce((s, c) => s + c.count, 0));
        const sorted = [...figures.eventCounts].sort(
          (a, b) => b.count - a.count || a.type.localeCompare(b.type),
        );
        expect(figures.eventCounts).toEqual(sorted);
      });

      it("measures 2FA adoption among admins seen in 30 days, and follows enrollment", async () => {
        // Admins: a (enrolled), b (pending), c (bare "admin" role); not the member, not the
        // admin last seen 40 days ago.
        expect((await metrics("LAST_5_MINUTES")).twoFactorAdoption).toEqual({
          admins: 3,
          enrolled: 1,
          rate: 1 / 3,
          lookbackDays: 30,
        });
        const em = running.database.orm.em.fork();
        const pending = await em.findOneOrFail(TwoFactorCredential, { userId: "user_admin_b" });
        pending.enabledAt = new Date();
        await em.flush();
        expect((await metrics("LAST_HOUR")).twoFactorAdoption).toMatchObject({
          enrolled: 2,
          rate: 2 / 3,
        });
      });
    });

    it("counts active sessions as they start and are revoked", async () => {
      const { sessions } = running.runtime;
      const from = { ip: "10.0.0.1", userAgent: "jest" };
      const claims = (sessionId: string, userId: string) => ({
        sessionId,
        userId,
        organizationId: null,
      });
      await sessions.resume(claims("sess_m1", "user_m1"), from);
      await sessions.resume(claims("sess_m2", "user_m1"), from);
      await sessions.resume(claims("sess_m3", "user_m2"), from);
      await sessions.resume(claims("sess_m1", "user_m1"), from);
      expect((await metrics("LAST_HOUR")).activeSessions).toBe(3);
      await sessions.revoke("sess_m3");
      expect((await metrics("LAST_HOUR")).activeSessions).toBe(2);
      await sessions.revokeUser("user_m1");
      expect((await metrics("LAST_HOUR")).activeSessions).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 5));
      await sessions.resume(claims("sess_m4", "user_m2"), from);
      expect((await metrics("LAST_HOUR")).activeSessions).toBe(1);
    });

    it("reports the lockdown switch as it flips", async () => {
      const lockdown = new LockdownSwitch(running.runtime.stores);
      await lockdown.set(true, "monitoring drill", "user_monitor_root");
      expect((await metrics("LAST_HOUR")).lockdown).toMatchObject({
        active: true,
        reason: "monitoring drill",
        actorId: "user_monitor_root",
      });
      await lockdown.set(false, "drill over", "user_monitor_root");
      expect((await metrics("LAST_HOUR")).lockdown).toMatchObject({
        active: false,
        reason: "drill over",
      });
    });

    it("refuses an unknown window before running anything", async () => {
      const { body } = await query(METRICS, superAdmin(), { window: "LAST_YEAR" });
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/MetricsWindow/);
    });
  });

  describe("systemHealth", () => {
    it("reports each subgraph, the stores and the database, a closed port as DOWN", async () => {
      const { data, body } = await query<{
        systemHealth: {
          status: string;
          checkedAt: string;
          components: {
            name: string;
            status: string;
            latencyMs: number | null;
            error: string | null;
          }[];
        };
      }>(HEALTH);
      expect(body.errors).toBeUndefined();
      const { status, components } = data!.systemHealth;
      expect(status).toBe("DOWN");
      const byName = Object.fromEntries(components.map((c) => [c.name, c]));
      expect(components.map((c) => c.name)).toEqual([
        "security",
        "commerce",
        "notifications",
        "fulfillment",
        setup.redisUrl ? "redis" : "memory-stores",
        "postgres",
      ]);
      for (const name of ["security", "commerce", components[4].name, "postgres"]) {
        expect(byName[name]).toMatchObject({ status: "UP", error: null });
        expect(byName[name].latencyMs).toEqual(expect.any(Number));
        expect(byName[name].latencyMs).toBeGreaterThanOrEqual(0);
      }
      expect(byName.notifications).toEqual({
        name: "notifications",
        status: "DOWN",
        latencyMs: null,
        error: "ECONNREFUSED",
      });
      expect(byName.fulfillment).toMatchObject({ status: "DOWN", error: "HTTP 503" });
    });

    it("is UP when every component is, times out in parallel, and never shows credentials", async () => {
      const em = running.database.orm.em.fork();
      const allUp = new SystemHealthChecker({
        subgraphUrls: { one: subgraph.healthyUrl, two: running.server.url },
        stores,
      });
      expect((await allUp.check(em)).status).toBe("UP");

      const hanging = [
        await fakeSubgraph("hang"),
        await fakeSubgraph("hang"),
        await fakeSubgraph("hang"),
      ];
      try {
        const slow = new SystemHealthChecker({
          subgraphUrls: {
            first: hanging[0].url,
            second: hanging[1].url,
            third: hanging[2].url,
            secret: `http://monitor:hunter2@127.0.0.1:${subgraph.closedPort}/graphql`,
          },
          stores,
          timeoutMs: 1_000,
        });
        const started = Date.now();
        const health = await slow.check(em);
        // Three checks waiting out 1 s each: at least 3 s one after the other.
        expect(Date.now() - started).toBeLessThan(2_500);
        expect(health.components.slice(0, 3).map((c) => [c.status, c.error])).toEqual([
          ["DOWN", "no answer within 1000 ms"],
          ["DOWN", "no answer within 1000 ms"],
          ["DOWN", "no answer within 1000 ms"],
        ]);
        expect(health.components[3].status).toBe("DOWN");
        expect(JSON.stringify(health)).not.toContain("hunter2");
      } finally {
        hanging.forEach((server) => server.close());
      }
    });
  });

  describe("systemMetrics", () => {
    it("reads the operating system", async () => {
      const { data, body } = await query<{ systemMetrics: SystemMetrics }>(SYSTEM);
      expect(body.errors).toBeUndefined();
      const system = data!.systemMetrics;
      expect(system.hostname).toBe(os.hostname());
      expect(system.cpu.cores).toBeGreaterThan(0);
      expect(system.memory.totalBytes).toBe(os.totalmem());
      expect(system.memory.processRssBytes).toBeGreaterThan(0);
      expect(system.disk).toMatchObject({ path: subgraph.dataDir });
      expect(system.disk.totalBytes).toBeGreaterThan(system.disk.freeBytes);
      expect(system.uptime.processSeconds).toBeGreaterThan(0);
      if (os.platform() === "linux") {
        expect(system.cpu.utilizationPercent).toEqual(expect.any(Number));
        expect(system.network.map((i) => i.name)).toContain("lo");
        // At least this subgraph's own listening socket.
        const listening = system.connections.tcpByState.find((s) => s.state === "LISTEN");
        expect(listening?.count).toBeGreaterThan(0);
        expect(system.connections.processOpenFileDescriptors).toBeGreaterThan(2);
      }
    });
  });

  describe("refusals", () => {
    it.each(Object.entries(refusedCallers))(
      "refuses every monitoring query to %s",
      async (_who, identity) => {
        for (const [document, variables] of [
          [METRICS, { window: "LAST_HOUR" }],
          [HEALTH, undefined],
          [SYSTEM, undefined],
        ] as const) {
          const { status, body } = await query(document, identity, variables);
          expect(status).toBeLessThan(500);
          expect(body.data ?? null).toBeNull();
          expect(codesOf(body.errors).length).toBeGreaterThan(0);
          expect(codesOf(body.errors)).not.toContain("INTERNAL_SERVER_ERROR");
        }
      },
    );
  });

  it("declares a rule for every field and tags every new element admin", async () => {
    const { schema, sdl } = await buildSecuritySchema();
    expect(fieldsWithoutRules(schema, securityRuleTree(createRules()))).toEqual([]);
    expect(sdl).toMatch(
      /securityMetrics\(window: MetricsWindow!\): SecurityMetrics! @tag\(name: "admin"\)/,
    );
    expect(sdl).toMatch(/systemHealth: SystemHealth! @tag\(name: "admin"\)/);
    expect(sdl).toMatch(/systemMetrics: SystemMetrics! @tag\(name: "admin"\)/);
    for (const type of [
      "SecurityMetrics",
      "SecurityEventCount",
      "TwoFactorAdoption",
      "SystemHealth",
      "ComponentHealth",
      "SystemMetrics",
      "CpuMetrics",
      "MemoryMetrics",
      "DiskMetrics",
      "NetworkInterfaceMetrics",
      "ConnectionMetrics",
      "TcpStateCount",
      "UptimeMetrics",
    ]) {
      expect(sdl).toMatch(new RegExp(`type ${type} @tag\\(name: "admin"\\)`));
    }
  });
});
