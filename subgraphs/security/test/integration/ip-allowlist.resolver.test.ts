import { isObjectType, type GraphQLSchema } from "graphql";
import {
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  parseIpAllowlistSnapshot,
  parseSecurityEvent,
  SECURITY_EVENT_STREAM,
  SecurityLevel,
  type Identity,
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
import {
  IpAllowlistEntry,
  IpAllowlistResolver,
  ipAllowlistRuleTree,
} from "../../src/modules/ip-allowlist";
import { SessionResolver } from "../../src/modules/sessions/session.resolver";
import { TwoFactorResolver } from "../../src/modules/two-factor/two-factor.resolver";
import { UserResolver, userReference } from "../../src/modules/users/user.resolver";
import { securityRuleTree } from "../../src/permissions";
import type { SecurityConfig } from "../../src/config";
import type { SecurityServices } from "../../src/services";
import { securitySubgraph } from "../../src/subgraph";

/**
 * Security's rule tree with the IP allowlist's merged in, as the lead wires it. With `schema`,
 * limited to the types and fields it has: shield refuses rules for anything else, and security
 * may meanwhile have grown resolvers this test does not compose.
 */
function composedRuleTree(rules: Rules, schema?: GraphQLSchema): RuleTree {
  const base = securityRuleTree(rules) as Record<string, Record<string, unknown>>;
  const own = ipAllowlistRuleTree(rules);
  const tree: Record<string, unknown> = {
    ...base,
    Query: { ...base.Query, ...own.Query },
    Mutation: { ...base.Mutation, ...own.Mutation },
    IpAllowlistEntry: own.IpAllowlistEntry,
  };
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

const resolvers = [UserResolver, SessionResolver, TwoFactorResolver, IpAllowlistResolver] as const;

let runtime: SubgraphRuntime<SecurityConfig>;
/** The security subgraph plus the IP allowlist, composed here so subgraph.ts stays as it is. */
const definition: SubgraphDefinition<SecurityConfig, SecurityServices> = {
  ...securitySubgraph,
  entities: [
    ...(securitySubgraph.entities as unknown[]).filter((entity) => entity !== IpAllowlistEntry),
    IpAllowlistEntry,
  ] as SubgraphDefinition["entities"],
  services: (running) => {
    runtime = running;
    return securitySubgraph.services(running);
  },
  // No start hook: it would bootstrap ADMIN_IP_ALLOWLIST (loopback by default, now that the
  // harness parses the security config) and publish a snapshot; these cases start from none.
  start: undefined,
  buildSchema: async (config) => {
    const built = await buildFederatedSchema({ resolvers }, { User: userReference });
    const rules = createRules(config ? ruleOptionsFrom(config) : {});
    return applyPermissions(built, createPermissions(composedRuleTree(rules, built.schema)));
  },
};

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(definition, { seed: false });
});
afterAll(() => subgraph?.stop());

/** The default CLERK_SUPERADMIN_ORG_ID, which the harness's configuration keeps. */
const SUPERADMIN_ORG = "org_rampart_admin";
const superAdmin = (securityLevel = SecurityLevel.StepUp): Partial<Identity> =>
  testIdentity({
    userId: "user_ip_root",
    organizationId: SUPERADMIN_ORG,
    role: "org:admin",
    securityLevel,
    ip: "198.51.100.7",
  });

const ENTRY_FIELDS = "id ipRange description organizationId isGlobal createdBy createdAt expiresAt";
const ADD = `mutation Add($ipRange: String!, $description: String!, $isGlobal: Boolean!, $organizationId: ID, $expiresAt: DateTimeISO) {
  addIpAllowlistEntry(ipRange: $ipRange, description: $description, isGlobal: $isGlobal, organizationId: $organizationId, expiresAt: $expiresAt) { ${ENTRY_FIELDS} }
}`;
const LIST = `{ ipAllowlistEntries { ${ENTRY_FIELDS} } }`;
const REMOVE = `mutation Remove($id: ID!) { removeIpAllowlistEntry(id: $id) }`;

const codesOf = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

const add = (variables: Record<string, unknown>, identity = superAdmin()) =>
  subgraph.query(ADD, {
    identity,
    variables: { description: "Office", isGlobal: true, ...variables },
  });

async function eventsOfType(prefix: string) {
  const entries = await runtime.stores.events.read(SECURITY_EVENT_STREAM, { count: 10_000 });
  return entries
    .map((entry) => parseSecurityEvent(entry.fields))
    .filter((e) => e.type.startsWith(prefix));
}

describe("IP allowlist resolvers", () => {
  it("declare a rule for every field", async () => {
    const { schema } = await definition.buildSchema();
    expect(fieldsWithoutRules(schema, composedRuleTree(createRules(), schema))).toEqual([]);
  });

  it("are tagged admin, so the main profile's contract leaves them out", async () => {
    const { sdl } = await definition.buildSchema();
    expect(sdl).toMatch(/ipAllowlistEntries: \[IpAllowlistEntry!\]! @tag\(name: "admin"\)/);
    expect(sdl).toMatch(/addIpAllowlistEntry\([^)]*\): IpAllowlistEntry! @tag\(name: "admin"\)/s);
    expect(sdl).toMatch(/removeIpAllowlistEntry\(id: ID!\): Boolean! @tag\(name: "admin"\)/);
    expect(sdl).toMatch(/expiresAt: DateTimeISO\b/);
  });

  it("are for superadmins at level 3 only", async () => {
    const operations = [
      { query: LIST },
      { query: ADD, variables: { ipRange: "10.0.0.0/8", description: "x", isGlobal: true } },
      { query: REMOVE, variables: { id: "6f1c1f7e-0000-4000-8000-000000000000" } },
    ];
    const callers = {
      anonymous: undefined,
      orgAdmin: testIdentity({ role: "org:admin", securityLevel: SecurityLevel.StepUp }),
      superAdminMember: testIdentity({
        organizationId: SUPERADMIN_ORG,
        role: "org:member",
        securityLevel: SecurityLevel.StepUp,
      }),
      superAdminWithout2fa: superAdmin(SecurityLevel.SignedIn),
      superAdminNotRecent: superAdmin(SecurityLevel.SecondFactor),
    };
    for (const { query, variables } of operations) {
      const refusals: Record<string, unknown> = {};
      for (const [who, identity] of Object.entries(callers)) {
        const { status, body } = await subgraph.query(query, { identity, variables });
        refusals[who] = { codes: codesOf(body), serverError: status >= 500 };
      }
      expect({ query, refusals }).toEqual({
        query,
        refusals: {
          anonymous: { codes: ["UNAUTHENTICATED"], serverError: false },
          orgAdmin: { codes: ["FORBIDDEN"], serverError: false },
          superAdminMember: { codes: ["FORBIDDEN"], serverError: false },
          superAdminWithout2fa: { codes: ["STEP_UP_REQUIRED"], serverError: false },
          superAdminNotRecent: { codes: ["STEP_UP_REQUIRED"], serverError: false },
        },
      });
    }
    expect(await runtime.stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)).toBeNull();
  });

  it.each([
    ["10.0.0.0/33", /between 0 and 32/],
    ["::ffff:999.1.1.1", /not a valid IPv6 address/],
    ["", /Enter an IP address/],
    ["   ", /spaces/],
  ])("refuse the range %j with BAD_USER_INPUT on ipRange, no 5xx", async (ipRange, message) => {
    const { status, body } = await add({ ipRange });
    expect(status).toBeLessThan(500);
    expect(body.data ?? null).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ipRange" });
    expect(body.errors?.[0].message).toMatch(message);
  });

  it("refuse a global entry naming an organization, and an organization entry without one", async () => {
    const both = await add({ ipRange: "10.0.0.0/8", isGlobal: true, organizationId: "org_acme" });
    const neither = await add({ ipRange: "10.0.0.0/8", isGlobal: false });
    for (const { body } of [both, neither]) {
      expect(body.errors?.[0].extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "organizationId",
      });
    }
    const past = await add({ ipRange: "10.0.0.0/8", expiresAt: "2020-01-01T00:00:00.000Z" });
    expect(past.body.errors?.[0].extensions).toMatchObject({ field: "expiresAt" });
    const long = await add({ ipRange: "10.0.0.0/8", description: "x".repeat(501) });
    expect(long.body.errors?.[0].extensions).toMatchObject({ field: "description" });
  });

  it("add, list and remove entries, publish each change and record it", async () => {
    const messages: string[] = [];
    const unsubscribe = await runtime.stores.pubsub.subscribe(IP_ALLOWLIST_CHANNEL, (message) =>
      messages.push(message),
    );
    try {
      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const added = await add({
        ipRange: "::ffff:192.0.2.0/120",
        description: "Acme office",
        isGlobal: false,
        organizationId: "org_acme",
        expiresAt,
      });
      expect(added.body.errors).toBeUndefined();
      const entry = (added.body.data as { addIpAllowlistEntry: Record<string, unknown> })
        .addIpAllowlistEntry;
      expect(entry).toMatchObject({
        ipRange: "192.0.2.0/24",
        description: "Acme office",
        organizationId: "org_acme",
        isGlobal: false,
        createdBy: "user_ip_root",
        expiresAt,
      });
      const global = await add({ ipRange: "2001:DB8::/32" });
      const globalId = (global.body.data as { addIpAllowlistEntry: { id: string } })
        .addIpAllowlistEntry.id;

      const listed = await subgraph.query(LIST, { identity: superAdmin() });
      expect(
        (listed.body.data as { ipAllowlistEntries: { ipRange: string }[] }).ipAllowlistEntries.map(
          (listedEntry) => listedEntry.ipRange,
        ),
      ).toEqual(["192.0.2.0/24", "2001:db8::/32"]);

      const removed = await subgraph.query(REMOVE, {
        identity: superAdmin(),
        variables: { id: globalId },
      });
      expect(removed.body).toEqual({ data: { removeIpAllowlistEntry: true } });
      const again = await subgraph.query(REMOVE, {
        identity: superAdmin(),
        variables: { id: globalId },
      });
      expect(codesOf(again.body)).toEqual(["NOT_FOUND"]);

      const stored = parseIpAllowlistSnapshot(
        (await runtime.stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY)) as string,
      );
      expect(stored.map((storedEntry) => storedEntry.ipRange)).toEqual(["192.0.2.0/24"]);
      expect(messages).toHaveLength(3);

      const events = await eventsOfType("ip_allowlist.");
      expect(events.map((event) => [event.type, event.actorId, event.reason])).toEqual([
        [
          "ip_allowlist.entry_added",
          "user_ip_root",
          `192.0.2.0/24 allowlisted (organization org_acme, until ${expiresAt})`,
        ],
        ["ip_allowlist.entry_added", "user_ip_root", "2001:db8::/32 allowlisted (global)"],
        [
          "ip_allowlist.entry_removed",
          "user_ip_root",
          "2001:db8::/32 removed from the allowlist (global)",
        ],
      ]);
      expect(events[0]).toMatchObject({ organizationId: "org_acme", ip: "198.51.100.7" });
    } finally {
      await unsubscribe();
    }
  });

  it("refuse 0.0.0.0/0 and ::/0 unless forced with allowEverywhere, and record a forced one as critical", async () => {
    const FORCED = `mutation Forced($ipRange: String!, $allowEverywhere: Boolean) {
      addIpAllowlistEntry(ipRange: $ipRange, description: "Anywhere", isGlobal: true, allowEverywhere: $allowEverywhere) { id ipRange }
    }`;
    for (const ipRange of ["0.0.0.0/0", "::/0"]) {
      for (const allowEverywhere of [undefined, null, false]) {
        const { status, body } = await subgraph.query(FORCED, {
          identity: superAdmin(),
          variables: { ipRange, allowEverywhere },
        });
        expect(status).toBeLessThan(500);
        expect(body.errors?.[0].extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "ipRange",
          reason: "ALLOWS_EVERY_ADDRESS",
        });
        expect(body.errors?.[0].message).toMatch(/Set allowEverywhere to true/);
      }
    }
    const forced = await subgraph.query(FORCED, {
      identity: superAdmin(),
      variables: { ipRange: "::/0", allowEverywhere: true },
    });
    expect(forced.body.errors).toBeUndefined();
    const { id } = (forced.body.data as { addIpAllowlistEntry: { id: string } })
      .addIpAllowlistEntry;
    const added = (await eventsOfType("ip_allowlist.entry_added")).filter((event) =>
      event.reason.startsWith("::/0"),
    );
    expect(added).toEqual([
      expect.objectContaining({ severity: "critical", reason: expect.stringMatching(/forced/) }),
    ]);
    await subgraph.query(REMOVE, { identity: superAdmin(), variables: { id } });
  });
});
