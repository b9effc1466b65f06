import { createLogger, type Identity } from "@rampart/kit";
import {
  createRules,
  fieldsWithoutRules,
  type RunningSubgraph,
  type SubgraphContext,
} from "@rampart/kit/subgraph";
import { parse, subscribe, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { SecurityConfig } from "../../src/config";
import { securityRuleTree } from "../../src/permissions";
import { buildSecuritySchema } from "../../src/schema";
import { createSecurityServices, type SecurityServices } from "../../src/services";
import {
  codesOf,
  monitoringSetups,
  refusedCallers,
  startMonitoredSubgraph,
  superAdmin,
  type MonitoredSubgraph,
} from "./support/monitored-subgraph";

interface PushedMetrics {
  window: string;
  failedLogins: number;
  sampledAt: string;
}

describe.each(monitoringSetups)("securityMetrics subscription on $name", (setup) => {
  let subgraph: MonitoredSubgraph;
  let running: RunningSubgraph<SecurityConfig, SecurityServices>;
  let config: SecurityConfig;

  beforeAll(async () => {
    subgraph = await startMonitoredSubgraph(setup);
    ({ running, config } = subgraph);
  });
  afterAll(() => subgraph?.stop());

  describe("securityMetrics subscription", () => {
    let schema: GraphQLSchema;
    const contextOf = (identity: Identity): SubgraphContext => ({
      identity,
      em: running.database.orm.em.fork(),
      log: createLogger({ service: "test", level: "silent" }),
      runtime: running.runtime,
      services: createSecurityServices(running.runtime),
    });
    const SUBSCRIPTION = parse(
      `subscription { securityMetrics(window: LAST_5_MINUTES) { window failedLogins sampledAt } }`,
    );

    beforeAll(async () => {
      ({ schema } = await buildSecuritySchema(config, running.runtime));
    });

    it("pushes the metrics at once, then every SECURITY_METRICS_PUSH_SECONDS, until closed", async () => {
      const result = await subscribe({
        schema,
        document: SUBSCRIPTION,
        contextValue: contextOf(superAdmin()),
      });
      if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result));
      const pushes = result as AsyncGenerator<ExecutionResult<{ securityMetrics: PushedMetrics }>>;
      try {
        const started = Date.now();
        const first = await pushes.next();
        // Promptness is proven below, on a 60 s schedule; this only bounds it.
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(first.value.errors).toBeUndefined();
        const before = first.value.data!.securityMetrics;
        expect(before.window).toBe("LAST_5_MINUTES");

        await running.runtime.securityEvents.record({
          type: "authentication.failed",
          severity: "medium",
          actorId: null,
          organizationId: null,
          ip: "198.51.100.9",
          reason: "token-expired",
          requestId: null,
        });
        let latest = before;
        const times: number[] = [];
        while (latest.failedLogins === before.failedLogins) {
          const next = await pushes.next();
          times.push(Date.now());
          expect(next.value.errors).toBeUndefined();
          latest = next.value.data!.securityMetrics;
          if (times.length > 10) throw new Error("the new event never showed");
        }
        expect(latest.failedLogins).toBe(before.failedLogins + 1);
        // Pushed on the 1 s schedule, not in a burst: the schedule starts after `started`, so
        // the n-th push after the first cannot arrive before n s have passed. A stall only
        // delays pushes; 200 ms for timers measured on the event loop's cached clock.
        times.forEach((t, i) => expect(t - started).toBeGreaterThanOrEqual((i + 1) * 1_000 - 200));
      } finally {
        const closing = Date.now();
        await pushes.return(undefined);
        // Promptness is proven below, on a 60 s schedule; this only bounds it.
        expect(Date.now() - closing).toBeLessThan(2_000);
      }
      expect(await pushes.next()).toEqual({ done: true, value: undefined });
    });

    it("pushes the first metrics at once and ends a pending wait at once when closed", async () => {
      // A 60 s schedule: waiting for a tick instead of pushing or closing at once cannot pass.
      const services = createSecurityServices(running.runtime);
      const result = await subscribe({
        schema,
        document: SUBSCRIPTION,
        contextValue: {
          ...contextOf(superAdmin()),
          services: { ...services, monitoring: { ...services.monitoring, metricsPushMs: 60_000 } },
        },
      });
      if (!(Symbol.asyncIterator in result)) throw new Error(JSON.stringify(result));
      const pushes = result as AsyncGenerator<ExecutionResult<{ securityMetrics: PushedMetrics }>>;
      const started = Date.now();
      const first = await pushes.next();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(first.value.data?.securityMetrics.window).toBe("LAST_5_MINUTES");
      // Waits for the next tick, 60 s away, until return() ends it.
      const pending = pushes.next();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = Date.now();
      await pushes.return(undefined);
      expect(await pending).toEqual({ done: true, value: undefined });
      expect(Date.now() - closing).toBeLessThan(2_000);
      expect(await pushes.next()).toEqual({ done: true, value: undefined });
    });

    it.each(Object.entries(refusedCallers))(
      "refuses %s at subscribe, before any push",
      async (_who, identity) => {
        const result = await subscribe({
          schema,
          document: SUBSCRIPTION,
          contextValue: contextOf(identity),
        });
        expect(Symbol.asyncIterator in result).toBe(false);
        const { errors } = result as ExecutionResult;
        expect(codesOf(errors).length).toBe(1);
        expect(codesOf(errors)).not.toContain("INTERNAL_SERVER_ERROR");
      },
    );

    it("is in the SDL as an admin-tagged subscription with a rule", async () => {
      const { schema: unguarded, sdl } = await buildSecuritySchema();
      expect(fieldsWithoutRules(unguarded, securityRuleTree(createRules()))).toEqual([]);
      const block = sdl.slice(sdl.indexOf("type Subscription"));
      expect(block.slice(0, block.indexOf("\n}"))).toMatch(
        /securityMetrics\(window: MetricsWindow!\): SecurityMetrics! @tag\(name: "admin"\)/,
      );
    });
  });
});
