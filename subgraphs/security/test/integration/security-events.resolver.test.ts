import { isObjectType, type GraphQLSchema } from "graphql";
import {
  SecurityLevel,
  type Identity,
  type SecurityEvent,
  type SecurityEventInput,
} from "@rampart/kit";
import {
  applyPermissions,
  buildFederatedSchema,
  createPermissions,
  createRules,
  fieldsWithoutRules,
  ruleOptionsFrom,
  type RuleTree,
  type Rules,
  type SubgraphDefinition,
  type SubgraphRuntime,
} from "@rampart/kit/subgraph";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { encodeCursor, SecurityEventResolver } from "../../src/modules/security-events";
import { UserResolver, userReference } from "../../src/modules/users/user.resolver";
import { securityRuleTree } from "../../src/permissions";
import type { SecurityConfig } from "../../src/config";
import type { SecurityServices } from "../../src/services";
import { securitySubgraph } from "../../src/subgraph";

/** Security's rule tree, limited to `schema`'s types. */
function composedRuleTree(rules: Rules, schema?: GraphQLSchema): RuleTree {
  const tree = securityRuleTree(rules) as Record<string, unknown>;
  if (!schema) return tree as RuleTree;
  const limited: Record<string, unknown> = {};
  for (const [typeName, entry] of Object.entries(tree)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const isRule = typeof (entry as { resolve?: unknown }).resolve === "function";
    limited[typeName] = isRule
      ? entry
      : Object.fromEntries(
          Object.entries(entry as object).filter(([field]) => field in type.getFields()),
        );
  }
  return limited as RuleTree;
}

let runtime: SubgraphRuntime<SecurityConfig>;
let stopConsumer: (() => Promise<void>) | undefined;
/** The security subgraph, with a schema narrowed to users and security events. */
const definition: SubgraphDefinition<SecurityConfig, SecurityServices> = {
  ...securitySubgraph,
  services: (running) => {
    runtime = running;
    return securitySubgraph.services(running);
  },
  // The real start hook: bootstraps the allowlist and starts the security-event consumer.
  start: async (running, em) => {
    const stop = (await securitySubgraph.start?.(running, em))?.stop;
    stopConsumer = stop ? async () => stop() : undefined;
  },
  buildSchema: async (config) => {
    const built = await buildFederatedSchema(
      { resolvers: [UserResolver, SecurityEventResolver] },
      { User: userReference },
    );
    const rules = createRules(config ? ruleOptionsFrom(config) : {});
    return applyPermissions(built, createPermissions(composedRuleTree(rules, built.schema)));
  },
};

const SUPERADMIN_ORG = "org_rampart_admin";
const superAdmin = (securityLevel = SecurityLevel.SecondFactor): Partial<Identity> =>
  testIdentity({ userId: "user_events_root", organizationId: SUPERADMIN_ORG, securityLevel });

const EVENTS = `query Events($filter: SecurityEventFilter, $first: Int, $after: String) {
  securityEvents(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id type severity actorId organizationId ip reason requestId occurredAt actor { id } organization { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  edges: { cursor: string; node: Record<string, unknown> & { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

async function events(variables: Record<string, unknown>, identity = superAdmin()) {
  const result = await subgraph.query(EVENTS, { identity, variables });
  return { ...result, page: result.body.data?.securityEvents as Page | undefined };
}

const codesOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

let subgraph: TestSubgraph;
/** Recorded oldest first; stored in that order, so newest first is the reverse. */
const recorded: SecurityEvent[] = [];
const inputs: SecurityEventInput[] = [
  ...Array.from({ length: 12 }, (_, n) => ({
    type: "authentication.failed",
    severity: "low" as const,
    actorId: `user_${n % 3}`,
    organizationId: "org_demo_acme",
    ip: "198.51.100.7",
    reason: `bad password ${n}`,
    requestId: `req_${n}`,
    occurredAt: new Date(Date.UTC(2030, 0, 1, 0, n)).toISOString(),
  })),
  {
    type: "ip.refused",
    severity: "high",
    actorId: null,
    organizationId: "org_demo_globex",
    ip: "203.0.113.9",
    reason: "not allowlisted",
    requestId: null,
    occurredAt: new Date(Date.UTC(2030, 0, 2)).toISOString(),
  },
  {
    type: "lockdown.activated",
    severity: "critical",
    actorId: "user_events_root",
    organizationId: null,
    ip: null,
    reason: "incident",
    requestId: "req_lockdown",
    occurredAt: new Date(Date.UTC(2030, 0, 3)).toISOString(),
  },
];

beforeAll(async () => {
  subgraph = await startTestSubgraph(definition, { seed: false });
  for (const input of inputs) recorded.push(await runtime.securityEvents.record(input));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { page } = await events({ first: 100 });
    if (page && page.edges.length >= recorded.length) break;
    if (Date.now() > deadline) throw new Error("events were not stored");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});

afterAll(async () => {
  await stopConsumer?.();
  await subgraph?.stop();
});

/** Only the events recorded here (refusals of other tests are stored too, with today's time). */
const ours = { since: "2030-01-01T00:00:00.000Z" };
const newestFirst = () => recorded.map((event) => event.id).reverse();

describe("securityEvents", () => {
  it("declares a rule for every field and is tagged admin", async () => {
    const { schema, sdl } = await definition.buildSchema();
    expect(fieldsWithoutRules(schema, composedRuleTree(createRules(), schema))).toEqual([]);
    expect(sdl).toMatch(/securityEvents\([^)]*\): SecurityEventConnection! @tag\(name: "admin"\)/s);
    expect(sdl).toMatch(/first: Int! = 50/);
    expect(sdl).toMatch(/type Organization @key\(fields: "id", resolvable: false\)/);
  });

  it("is for superadmins only", async () => {
    const callers = {
      anonymous: undefined,
      orgAdmin: testIdentity({ role: "org:admin", securityLevel: SecurityLevel.StepUp }),
      superAdminWithout2fa: superAdmin(SecurityLevel.SignedIn),
    };
    for (const [who, identity] of Object.entries(callers)) {
      const { status, body } = await subgraph.query(EVENTS, { identity, variables: {} });
      expect({ who, data: body.data?.securityEvents ?? null, serverError: status >= 500 }).toEqual({
        who,
        data: null,
        serverError: false,
      });
      expect(codesOf(body).length).toBeGreaterThan(0);
    }
  });

  it("returns stored events newest first, with the fields other subgraphs resolve", async () => {
    const { page, body } = await events({ filter: ours, first: 3 });
    expect(body.errors).toBeUndefined();
    expect(page?.edges.map((edge) => edge.node.id)).toEqual(newestFirst().slice(0, 3));
    const lockdown = recorded[recorded.length - 1];
    expect(page?.edges[0].node).toEqual({
      id: lockdown.id,
      type: "lockdown.activated",
      severity: "critical",
      actorId: "user_events_root",
      organizationId: null,
      ip: null,
      reason: "incident",
      requestId: "req_lockdown",
      occurredAt: lockdown.occurredAt,
      actor: null,
      organization: null,
    });
    expect(page?.edges[1].node).toMatchObject({ organization: { id: "org_demo_globex" } });
    expect(page?.pageInfo).toEqual({ hasNextPage: true, endCursor: page?.edges[2].cursor });
  });

  it("pages through every event once, in order", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard += 1) {
      const { page }: { page?: Page } = await events({ filter: ours, first: 4, after });
      if (!page) throw new Error("no page");
      seen.push(...page.edges.map((edge) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(newestFirst());
  });

  it("filters by every criterion", async () => {
    const idsOf = async (filter: Record<string, unknown>) =>
      (await events({ filter, first: 100 })).page?.edges.map((edge) => edge.node.id);
    const failed = recorded.filter((event) => event.type === "authentication.failed");
    expect(await idsOf({ ...ours, types: ["ip.refused", "lockdown.activated"] })).toEqual(
      newestFirst().slice(0, 2),
    );
    expect(await idsOf({ ...ours, severities: ["critical"] })).toEqual([recorded[13].id]);
    expect(await idsOf({ ...ours, organizationId: "org_demo_globex" })).toEqual([recorded[12].id]);
    expect(await idsOf({ ...ours, actorId: "user_1" })).toEqual(
      failed
        .filter((event) => event.actorId === "user_1")
        .map((event) => event.id)
        .reverse(),
    );
    expect(await idsOf({ ...ours, ip: "203.0.113.9" })).toEqual([recorded[12].id]);
    expect(
      await idsOf({
        ...ours,
        since: "2030-01-01T00:05:00.000Z",
        until: "2030-01-01T00:08:00.000Z",
      }),
    ).toEqual([recorded[7].id, recorded[6].id, recorded[5].id]);
    expect(
      await idsOf({
        ...ours,
        types: ["authentication.failed"],
        actorId: "user_0",
        severities: ["high"],
      }),
    ).toEqual([]);
  });

  it("answers an after cursor that names no event with an empty page", async () => {
    const { page, body } = await events({ after: encodeCursor(999_999) });
    expect(body.errors).toBeUndefined();
    expect(page).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it.each([
    [
      "a 10,000-item types list",
      { filter: { types: Array.from({ length: 10_000 }, (_, n) => `t${n}`) } },
      "filter.types",
    ],
    ["an unknown severity", { filter: { severities: ["urgent"] } }, "filter.severities"],
    ["a malformed cursor", { after: "not-a-cursor" }, "after"],
    ["a cursor of a negative sequence", { after: Buffer.from("-1").toString("base64") }, "after"],
    ["first = 0", { first: 0 }, "first"],
    ["first = 101", { first: 101 }, "first"],
    [
      "since after until",
      { filter: { since: "2030-01-02T00:00:00Z", until: "2030-01-01T00:00:00Z" } },
      "filter.since",
    ],
  ])(
    "refuses %s with BAD_USER_INPUT (a typed 400), not a server error",
    async (_name, variables, field) => {
      const { status, body } = await events(variables);
      expect(status).toBeLessThan(500);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field,
      });
    },
  );
});
