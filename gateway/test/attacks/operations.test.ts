import { generateKeyPairSync, sign as signBytes } from "node:crypto";
import type { TestPlatform } from "../support/platform";
import {
  bearer,
  dataIn,
  postJson,
  profiles,
  startAttackPlatform,
  tokenSettings,
  urlOf,
  validToken,
  type TokenSettings,
} from "./support/attack";

jest.setTimeout(180_000);

/**
 * Families "operation-limit evasions", "introspection tricks" and "tenant crossing": documents
 * built to slip past the depth, alias, directive, token and cost limits, to read the schema,
 * and to reach another organization's data (through `_entities`, which the gateway must not
 * expose, through arguments, and by calling a subgraph directly). A signed-in admin of Acme
 * (org_demo_acme, seeded) sends them to both profiles.
 */

const times = (count: number, make: (i: number) => string) =>
  Array.from({ length: count }, (_, i) => make(i)).join(" ");
const nestedMe = (depth: number) => {
  let selection = "id";
  for (let i = 0; i < depth; i++) selection = `me { ${selection} }`;
  return `{ ${selection} }`;
};

/** Evasions of the operation limits (depth 6, aliases 15, directives 50, tokens 1000, cost 5000). */
const evasions: [name: string, query: string, code: string][] = [
  ["depth 8 in plain nesting", nestedMe(8), "QUERY_TOO_DEEP"],
  [
    "depth through a chain of five fragments",
    "query { ...A } fragment A on Query { organization { ...B } } fragment B on Organization { orders { ...C } } fragment C on Order { customer { ...D } } fragment D on User { notifications { ...E } } fragment E on Notification { id ... on Notification { id } }",
    "QUERY_TOO_DEEP",
  ],
  [
    "depth through nested inline fragments",
    "{ ... on Query { organization { ... on Organization { orders { ... on Order { customer { notifications { id } } } } } } } }",
    "QUERY_TOO_DEEP",
  ],
  [
    "depth in fields the schema does not have",
    "{ a { b { c { d { e { f { g { h } } } } } } } }",
    "QUERY_TOO_DEEP",
  ],
  [
    "depth split between a fragment and its spread",
    "query { ...A } fragment A on Query { a { ...B } } fragment B on X { b { c { d { e { f { g } } } } } }",
    "QUERY_TOO_DEEP",
  ],
  [
    "depth hidden under @skip(if: true)",
    `{ me @skip(if: true) { me { me { me { me { me { me { id } } } } } } } }`,
    "QUERY_TOO_DEEP",
  ],
  [
    "depth in a second, unused operation",
    `query A { __typename } query B ${nestedMe(8).slice(1, -1).replace(/^/, "{ ")} }`,
    "QUERY_TOO_DEEP",
  ],
  ["16 aliases of one field", `{ ${times(16, (i) => `a${i}: me { id }`)} }`, "TOO_MANY_ALIASES"],
  [
    "16 aliases inside a fragment",
    `query { ...F } fragment F on Query { ${times(16, (i) => `a${i}: me { id }`)} }`,
    "TOO_MANY_ALIASES",
  ],
  [
    "16 aliases nested under one field",
    `{ organization { ${times(16, (i) => `p${i}: products(first: 1) { id }`)} } }`,
    "TOO_MANY_ALIASES",
  ],
  [
    "aliases spread over two fragments (8 + 8)",
    `query { ...F ...G } fragment F on Query { ${times(8, (i) => `f${i}: me { id }`)} } fragment G on Query { ${times(8, (i) => `g${i}: me { id }`)} }`,
    "TOO_MANY_ALIASES",
  ],
  [
    "16 aliased 2FA verifications (brute force in one request)",
    `mutation { ${times(16, (i) => `v${i}: verifyTwoFactor(code: "${String(i).padStart(6, "0")}") { securityLevel }`)} }`,
    "TOO_MANY_ALIASES",
  ],
  [
    "51 @include directives on one field",
    `{ me { id ${times(51, () => "@include(if: true)")} } }`,
    "TOO_MANY_DIRECTIVES",
  ],
  [
    "51 @skip directives on repeated fields",
    `{ ${times(51, () => "__typename @skip(if: false)")} }`,
    "TOO_MANY_DIRECTIVES",
  ],
  ["51 unknown directives", `{ me { id ${times(51, () => "@evil")} } }`, "TOO_MANY_DIRECTIVES"],
  [
    "51 directives spread over fragments",
    `query { ...F } fragment F on Query { me { id ${times(26, () => "@include(if: true)")} } ... on Query { __typename ${times(25, () => "@skip(if: false)")} } }`,
    "TOO_MANY_DIRECTIVES",
  ],
  ["more than 1000 tokens of selections", `{ ${"me { id } ".repeat(400)} }`, "TOO_MANY_TOKENS"],
  [
    "more than 1000 tokens of one repeated field",
    `{ me { ${"id ".repeat(1001)} } }`,
    "TOO_MANY_TOKENS",
  ],
  [
    "more than 1000 tokens of arguments",
    `{ products(first: 1 ${times(600, (i) => `x${i}: 1`)}) { id } }`,
    "TOO_MANY_TOKENS",
  ],
  [
    "cost: 15 aliases of a wide nested list",
    `{ ${times(15, (i) => `a${i}: organization { orders(first: 100) { customer { notifications(first: 100) { id title body } } shipments { id carrier } } }`)} }`,
    "QUERY_TOO_COMPLEX",
  ],
  [
    "cost: one wide nested list, no alias",
    "{ organization { orders(first: 100) { customer { notifications(first: 100) { id title body createdAt readAt userId organizationId channel } } shipments { id carrier status trackingNumber orderId organizationId shippedAt deliveredAt } id status totalCents currency createdAt organizationId } products(first: 100) { id name sku priceCents currency organizationId } } }",
    "QUERY_TOO_COMPLEX",
  ],
  [
    "cost: 15 aliases of one wide fragment",
    `{ ${times(15, (i) => `a${i}: organization { ...O }`)} } fragment O on Organization { orders(first: 100) { id status totalCents currency createdAt organizationId customer { id } } products(first: 100) { id name sku priceCents currency organizationId } }`,
    "QUERY_TOO_COMPLEX",
  ],
  [
    "depth and cost through fragments (depth refuses first)",
    "query { organization { ...O } } fragment O on Organization { orders(first: 100) { ...R } products(first: 100) { id name sku priceCents currency organizationId } } fragment R on Order { customer { notifications(first: 100) { id title body createdAt readAt userId organizationId channel } } shipments { id carrier status trackingNumber orderId organizationId shippedAt deliveredAt } }",
    "QUERY_TOO_DEEP",
  ],
];

/** Ways to reach `__schema` and `__type` without asking for them plainly. */
const introspection: [
  name: string,
  query: string,
  variables: Record<string, unknown> | undefined,
][] = [
  ["__schema", "{ __schema { types { name } } }", undefined],
  ["__schema under an alias", "{ s: __schema { queryType { name } } }", undefined],
  [
    "__schema in a fragment",
    "query { ...F } fragment F on Query { __schema { types { name } } }",
    undefined,
  ],
  ["__schema in an inline fragment", "{ ... on Query { __schema { types { name } } } }", undefined],
  ["__schema with @skip(if: false)", "{ __schema @skip(if: false) { types { name } } }", undefined],
  [
    "__schema with @include(if: false)",
    "{ __schema @include(if: false) { types { name } } }",
    undefined,
  ],
  [
    "__schema next to an ordinary field",
    "{ me { id } __schema { queryType { name } } }",
    undefined,
  ],
  ["__schema's directives only", "{ __schema { directives { name } } }", undefined],
  ["__type", '{ __type(name: "Query") { fields { name } } }', undefined],
  ["__type under an alias", '{ t: __type(name: "User") { name } }', undefined],
  [
    "__type in a fragment",
    'query { ...F } fragment F on Query { __type(name: "Order") { name } }',
    undefined,
  ],
  [
    "__type with the name in a variable",
    "query($n: String!) { __type(name: $n) { name } }",
    { n: "Query" },
  ],
  [
    "__type of an @inaccessible admin type",
    '{ __type(name: "EmergencyLockdown") { fields { name } } }',
    undefined,
  ],
  ["__type with a 50 kB name", `{ __type(name: "${"a".repeat(50_000)}") { name } }`, undefined],
  [
    "the full introspection query shape",
    "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name } types { kind name fields(includeDeprecated: true) { name } } } }",
    undefined,
  ],
];

/** Misspellings whose error must not suggest real names ("Did you mean ...?"). */
const suggestions: [name: string, query: string][] = [
  ["a misspelt root field", "{ organizatio { id } }"],
  ["a misspelt nested field", "{ organization { nam } }"],
  ["a misspelt argument", "{ products(frst: 1) { id } }"],
  ["a misspelt type condition", "{ ... on Querry { __typename } }"],
  [
    "a misspelt enum value",
    "{ securityEvents(filter: { severities: [HIG] }) { edges { node { id } } } }",
  ],
  ["a misspelt admin field", "{ emergencyLockdow { active } }"],
  ["a misspelt mutation", 'mutation { verifyTwoFacto(code: "000000") { id } }'],
  ["a misspelt directive", "{ me @inclde(if: true) { id } }"],
];

/** Every entity type of every subgraph (the supergraph's @key types), and who owns it. */
const entityTypes: [type: string, subgraphs: string[]][] = [
  ["Order", ["commerce", "fulfillment"]],
  ["Organization", ["commerce", "security"]],
  ["Product", ["commerce"]],
  ["Shipment", ["fulfillment"]],
  ["Notification", ["notifications"]],
  ["User", ["commerce", "notifications", "security"]],
];
/** An id of Globex's (the other seeded organization) per entity type. */
const globexIds: Record<string, string> = {
  Order: "ord_globex_2001",
  Organization: "org_demo_globex",
  Product: "prod_globex_lamp",
  Shipment: "shp_globex_1",
  Notification: "ntf_3",
  User: "user_demo_carol",
};
const entitiesQuery = (type: string) =>
  `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on ${type} { id } } }`;

/** Acme's admin asks for Globex's data by id. */
const crossings: [name: string, query: string, expected: [status: number, code: string | null]][] =
  [
    [
      "Globex's order by id",
      '{ order(id: "ord_globex_2001") { id organizationId totalCents } }',
      [200, null],
    ],
    [
      "Globex's order with its shipments",
      '{ order(id: "ord_globex_2001") { id shipments { id trackingNumber } } }',
      [200, null],
    ],
    [
      "Globex's shipment by id",
      '{ shipment(id: "shp_globex_1") { id organizationId trackingNumber } }',
      [200, null],
    ],
    [
      "Globex's order id padded with spaces",
      '{ order(id: " ord_globex_2001 ") { id } }',
      [200, null],
    ],
    ["Globex's order id in upper case", '{ order(id: "ORD_GLOBEX_2001") { id } }', [200, null]],
    ["an SQL-injection order id", `{ order(id: "x' OR '1'='1") { id } }`, [200, null]],
    [
      "a Globex user's notification marked read",
      'mutation { markNotificationRead(id: "ntf_3") { id } }',
      [404, "NOT_FOUND"],
    ],
    [
      "another user's session revoked",
      'mutation { revokeSession(id: "sess_dev_not_mine") }',
      [404, "NOT_FOUND"],
    ],
  ];

describe("attack families: operation limits, introspection, tenant crossing", () => {
  let platform: TestPlatform;
  let settings: TokenSettings;
  let acme: Record<string, string>;
  beforeAll(async () => {
    platform = await startAttackPlatform();
    settings = tokenSettings(platform);
    acme = bearer(validToken(settings, { sub: "user_demo_alice" }));
  });
  afterAll(() => platform?.stop());

  describe("attack family: operation-limit evasions", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it.each(evasions)("refuses %s", async (_name, query, code) => {
        const answer = await postJson(urlOf(platform, profile), { query }, acme);
        expect([answer.status, answer.code]).toEqual([400, code]);
        expect(dataIn(answer.body)).toBeUndefined();
      });
    });

    it("refuses 16 aliases sent anonymously too, before any resolver runs", async () => {
      const answer = await postJson(platform.url, {
        query: `{ ${times(16, (i) => `a${i}: products(first: 1) { id }`)} }`,
      });
      expect([answer.status, answer.code]).toEqual([400, "TOO_MANY_ALIASES"]);
    });
  });

  describe("attack family: introspection tricks", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it.each(introspection)("refuses %s", async (_name, query, variables) => {
        const answer = await postJson(urlOf(platform, profile), { query, variables }, acme);
        expect([answer.status, answer.code]).toEqual([400, "INTROSPECTION_DISABLED"]);
        expect(answer.text).not.toMatch(/"queryType"|"fields"|"types"/);
      });

      it.each(suggestions)("suggests no field name for %s", async (_name, query) => {
        const answer = await postJson(urlOf(platform, profile), { query }, acme);
        expect([answer.status, answer.code]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
        expect(answer.text).not.toMatch(/Did you mean/i);
      });
    });

    it("refuses anonymous introspection on main", async () => {
      const answer = await postJson(platform.url, { query: "{ __schema { types { name } } }" });
      expect([answer.status, answer.code]).toEqual([400, "INTROSPECTION_DISABLED"]);
    });
  });

  describe("attack family: tenant crossing", () => {
    describe.each(profiles)("on the %s profile", (profile) => {
      it.each(entityTypes)("does not expose _entities for %s (owned by %j)", async (type) => {
        const answer = await postJson(
          urlOf(platform, profile),
          {
            query: entitiesQuery(type),
            variables: { r: [{ __typename: type, id: globexIds[type] }] },
          },
          acme,
        );
        expect([answer.status, answer.code]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
        expect(dataIn(answer.body)).toBeUndefined();
        expect(answer.text).toContain('Cannot query field \\"_entities\\"');
      });

      it.each(entityTypes)(
        "does not expose _entities for %s with an inline _Any literal",
        async (type) => {
          const answer = await postJson(
            urlOf(platform, profile),
            {
              query: `{ _entities(representations: [{ __typename: "${type}", id: "${globexIds[type]}" }]) { __typename } }`,
            },
            acme,
          );
          expect([answer.status, answer.code]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
        },
      );

      it("does not expose _service (the subgraph SDL)", async () => {
        const answer = await postJson(
          urlOf(platform, profile),
          { query: "{ _service { sdl } }" },
          acme,
        );
        expect([answer.status, answer.code]).toEqual([400, "GRAPHQL_VALIDATION_FAILED"]);
      });

      it.each(crossings)("returns nothing of Globex's for %s", async (_name, query, expected) => {
        const answer = await postJson(urlOf(platform, profile), { query }, acme);
        expect([answer.status, answer.code]).toEqual(expected);
        expect(answer.text).not.toMatch(/globex/i);
      });

      it("lists only Acme's orders and products for an Acme admin (control)", async () => {
        const answer = await postJson(
          urlOf(platform, profile),
          {
            query: "{ organization { id orders { organizationId } products { organizationId } } }",
          },
          acme,
        );
        expect([answer.status, answer.code]).toEqual([200, null]);
        expect(answer.text).not.toMatch(/globex/i);
        expect(answer.text).toContain("org_demo_acme");
      });
    });

    describe("a subgraph called directly (bypassing the gateway)", () => {
      const direct = entityTypes.flatMap(([type, owners]) =>
        owners.map((subgraph) => [subgraph, type] as [string, string]),
      );
      const attackerKey = generateKeyPairSync("ed25519").privateKey;
      /** An identity assertion for Globex's admin, signed by a key that is not the gateway's. */
      const forgedAssertion = (audience: string) => {
        const now = Math.floor(Date.now() / 1000);
        const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
        const input = `${encode({ alg: "EdDSA", typ: "rampart-identity+jwt" })}.${encode({
          iss: "rampart-gateway",
          aud: audience,
          iat: now,
          exp: now + 60,
          jti: `attack-${now}`,
          lvl: 3,
          rid: "attack",
          sub: "user_demo_alice",
          sid: "sess_attack",
          org: "org_demo_globex",
          rol: "org:admin",
        })}`;
        return `${input}.${signBytes(null, Buffer.from(input), attackerKey).toString("base64url")}`;
      };

      it.each(direct)(
        "%s refuses _entities for %s without the gateway's assertion",
        async (subgraph, type) => {
          const answer = await postJson(platform.subgraphUrls[subgraph], {
            query: entitiesQuery(type),
            variables: { r: [{ __typename: type, id: globexIds[type] }] },
          });
          expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
        },
      );

      it.each(direct)(
        "%s refuses _entities for %s with a forged assertion",
        async (subgraph, type) => {
          const answer = await postJson(
            platform.subgraphUrls[subgraph],
            {
              query: entitiesQuery(type),
              variables: { r: [{ __typename: type, id: globexIds[type] }] },
            },
            { "rampart-identity": forgedAssertion(subgraph) },
          );
          expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
        },
      );

      it.each(direct)(
        "%s refuses _entities for %s with an alg-none assertion",
        async (subgraph, type) => {
          const unsigned = forgedAssertion(subgraph).split(".");
          unsigned[0] = Buffer.from(
            JSON.stringify({ alg: "none", typ: "rampart-identity+jwt" }),
          ).toString("base64url");
          const answer = await postJson(
            platform.subgraphUrls[subgraph],
            {
              query: entitiesQuery(type),
              variables: { r: [{ __typename: type, id: globexIds[type] }] },
            },
            { "rampart-identity": `${unsigned[0]}.${unsigned[1]}.` },
          );
          expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
        },
      );

      it.each(direct)(
        "%s refuses _entities for %s with the user's Clerk token instead",
        async (subgraph, type) => {
          const answer = await postJson(
            platform.subgraphUrls[subgraph],
            {
              query: entitiesQuery(type),
              variables: { r: [{ __typename: type, id: globexIds[type] }] },
            },
            { ...acme, "rampart-identity": acme.authorization.slice("Bearer ".length) },
          );
          expect([answer.status, answer.code]).toEqual([401, "UNAUTHENTICATED"]);
        },
      );
    });
  });
});
