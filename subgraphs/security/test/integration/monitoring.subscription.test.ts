import {
  createLogger,
  createRules,
  fieldsWithoutRules,
  type Identity,
  type RunningSubgraph,
  type SubgraphContext,
} from "@rampart/kit";
import { parse, subscribe, type ExecutionResult, type GraphQLSchema } from "graphql";
import type { SecurityConfig } from "../../src/config";
import { securityRuleTree } from "../../src/permissions";
import { buildSecuritySchema } from "../../src/schema";
import { createSecurityServices } from "../../src/services";
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
  let running: RunningSubgraph;
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
        expect(Date.now() - started).toBeLessThan(900);
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
        // Pushed on the 1 s schedule, not in a burst.
        const gaps = times.map((t, i) => t - (i === 0 ? started : times[i - 1]));
        expect(Math.min(...gaps)).toBeGreaterThan(700);
      } finally {
        const closing = Date.now();
        await pushes.return(undefined);
        expect(Date.now() - closing).toBeLessThan(500);
      }
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
