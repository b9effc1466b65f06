import { buildSubgraphSchema } from "@apollo/subgraph";
import { buildSchema, graphql, parse, type ExecutionResult, type GraphQLSchema } from "graphql";
import { applyMiddleware } from "graphql-middleware";
import { rule } from "graphql-shield";
import { RampartError } from "../../src/errors";
import { anonymousIdentity, SecurityLevel, type Identity } from "../../src/identity";
import {
  allow,
  createPermissions,
  createRules,
  fieldsWithoutRules,
  not,
  type RuleOptions,
  type RuleTree,
  type Rules,
} from "../../src/subgraph/shield";

const SUPERADMIN_ORG = "org_rampart_admin";

/** A signed-in member of org_acme unless overridden. */
const caller = (overrides: Partial<Identity> = {}): Identity => ({
  ...anonymousIdentity("req-shield"),
  userId: "user_alice",
  sessionId: "sess_alice",
  organizationId: "org_acme",
  organizationSlug: "acme",
  role: "org:member",
  permissions: ["org:orders:read"],
  securityLevel: SecurityLevel.SignedIn,
  ...overrides,
});
const anonymous = anonymousIdentity("req-anonymous");
const acmeAdmin = caller({ role: "org:admin" });
const globex = caller({ userId: "user_carol", organizationId: "org_demo_globex" });
const superAdmin = (level = SecurityLevel.SecondFactor) =>
  caller({
    userId: "user_root",
    organizationId: SUPERADMIN_ORG,
    role: "org:admin",
    securityLevel: level,
  });

const invoices: Record<string, Record<string, unknown>> = {
  inv_acme_alice: {
    id: "inv_acme_alice",
    organizationId: "org_acme",
    userId: "user_alice",
    total: 100,
    memo: "hi",
  },
  inv_acme_bob: {
    id: "inv_acme_bob",
    organizationId: "org_acme",
    userId: "user_bob",
    total: 200,
    memo: "yo",
  },
};

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query {
    signedIn: String
    member: String
    memberOfAcme: String
    memberOfArg(organizationId: ID!): String
    admin: String
    adminOrMember: String
    canReadOrders: String
    canReadAndWriteOrders: String
    superAdmin: String
    secondFactor: String
    steppedUp: String
    adminOnly: String
    denied: String
    neverTrue: String
    ruleThrows: String
    unruled: String
    badInput: String
    tooMany: String
    crash: String
    invoice(id: ID!): Invoice
  }
  type Invoice @key(fields: "id") {
    id: ID!
    organizationId: ID!
    userId: ID!
    total: Int!
    memo: String
  }
  type Organization @key(fields: "id") { id: ID! name: String! }
  type User @key(fields: "id") { id: ID! email: String }
`);

const ok = () => "ok";
const resolvers = {
  Query: {
    signedIn: ok,
    member: ok,
    memberOfAcme: ok,
    memberOfArg: ok,
    admin: ok,
    adminOrMember: ok,
    canReadOrders: ok,
    canReadAndWriteOrders: ok,
    superAdmin: ok,
    secondFactor: ok,
    steppedUp: ok,
    adminOnly: ok,
    denied: ok,
    neverTrue: ok,
    ruleThrows: ok,
    unruled: ok,
    badInput: () => {
      throw RampartError.badInput("Quantity must be positive.", "quantity");
    },
    tooMany: () => {
      throw RampartError.tooManyAttempts(29.2);
    },
    crash: () => {
      throw new Error("connection to db-internal.rampart:5432 refused");
    },
    invoice: (_: unknown, { id }: { id: string }) => invoices[id] ?? null,
  },
  // No tenant filtering here on purpose: only the field rules protect entities.
  Invoice: { __resolveReference: ({ id }: { id: string }) => invoices[id] ?? null },
  Organization: {
    __resolveReference: ({ id }: { id: string }) => ({ id, name: `Name of ${id}` }),
  },
  User: { __resolveReference: ({ id }: { id: string }) => ({ id, email: `${id}@example.com` }) },
};

const throwingRule = rule("throws", { cache: "no_cache" })(() => {
  throw new Error("rule bug");
});

const ruleTree = (rules: Rules): RuleTree => ({
  Query: {
    signedIn: rules.isAuthenticated,
    member: rules.isMemberOf(),
    memberOfAcme: rules.isMemberOf("org_acme"),
    memberOfArg: rules.isMemberOf({ arg: "organizationId" }),
    admin: rules.hasRole("admin"),
    adminOrMember: rules.hasRole("org:admin", "member"),
    canReadOrders: rules.hasPermission("orders:read"),
    canReadAndWriteOrders: rules.hasPermission("org:orders:read", "org:orders:write"),
    superAdmin: rules.isSuperAdmin,
    secondFactor: rules.hasSecondFactor,
    steppedUp: rules.recentlyVerified,
    adminOnly: rules.adminOnly,
    denied: rules.deny,
    neverTrue: not(allow),
    ruleThrows: throwingRule,
    badInput: allow,
    tooMany: allow,
    crash: allow,
    invoice: rules.isMemberOf(),
  },
  Invoice: {
    id: rules.ownsTenant,
    organizationId: rules.ownsTenant,
    userId: rules.ownsTenant,
    total: rules.ownsRecord,
  },
  Organization: rules.isOwnOrganization,
  User: { id: rules.isAuthenticated, email: rules.isSelf },
});

const ruleOptions: RuleOptions = { superAdminOrganizationId: SUPERADMIN_ORG };
const shielded = (options: RuleOptions = ruleOptions): GraphQLSchema =>
  applyMiddleware(
    buildSubgraphSchema({ typeDefs, resolvers }),
    createPermissions(ruleTree(createRules(options))),
  );

let schema: GraphQLSchema;
beforeAll(() => {
  schema = shielded();
});

const logged: { details: object; message: string }[] = [];
const run = (
  source: string,
  identity: Identity | undefined,
  variableValues?: Record<string, unknown>,
  target: GraphQLSchema = schema,
): Promise<ExecutionResult> =>
  Promise.resolve(
    graphql({
      schema: target,
      source,
      variableValues,
      contextValue: {
        identity,
        log: { error: (details: object, message: string) => logged.push({ details, message }) },
      },
    }),
  );

/** The error codes of a result, by response path. */
const codesOf = (result: ExecutionResult) =>
  Object.fromEntries(
    (result.errors ?? []).map((error) => [error.path?.join("."), error.extensions.code]),
  );

/** Asserts `field` is answered for `allowed` and refused with `code` for `refused`. */
async function expectRule(field: string, allowed: Identity, refused: Identity, code: string) {
  expect(await run(`{ ${field} }`, allowed)).toEqual({ data: { [field]: "ok" } });
  const result = await run(`{ ${field} }`, refused);
  expect(result.data).toEqual({ [field]: null });
  expect(result.errors).toHaveLength(1);
  expect(result.errors?.[0]?.extensions).toMatchObject({
    code,
    http: { status: { UNAUTHENTICATED: 401, FORBIDDEN: 403, STEP_UP_REQUIRED: 403 }[code] },
  });
}

describe("shield rules", () => {
  it("isAuthenticated: refuses anonymous callers, and a user id without a signed-in level", async () => {
    await expectRule("signedIn", caller({ organizationId: null }), anonymous, "UNAUTHENTICATED");
    await expectRule(
      "signedIn",
      caller(),
      caller({ securityLevel: SecurityLevel.Anonymous }),
      "UNAUTHENTICATED",
    );
    await expectRule("signedIn", caller(), undefined as unknown as Identity, "UNAUTHENTICATED");
  });

  it("isMemberOf(): needs an active organization", async () => {
    await expectRule("member", caller(), caller({ organizationId: null }), "FORBIDDEN");
    await expectRule("member", caller(), anonymous, "UNAUTHENTICATED");
  });

  it("isMemberOf(id): needs that organization", async () => {
    await expectRule("memberOfAcme", caller(), globex, "FORBIDDEN");
  });

  it("isMemberOf({ arg }): compares with the argument, per argument value within a request", async () => {
    const result = await run(
      `{ own: memberOfArg(organizationId: "org_acme") other: memberOfArg(organizationId: "org_demo_globex") again: memberOfArg(organizationId: "org_acme") }`,
      caller(),
    );
    expect(result.data).toEqual({ own: "ok", other: null, again: "ok" });
    expect(codesOf(result)).toEqual({ other: "FORBIDDEN" });
  });

  it("hasRole: accepts roles with or without the org: prefix, any of several", async () => {
    await expectRule("admin", acmeAdmin, caller(), "FORBIDDEN");
    await expectRule("admin", caller({ role: "admin" }), anonymous, "UNAUTHENTICATED");
    await expectRule("adminOrMember", caller(), caller({ role: "org:guest" }), "FORBIDDEN");
    await expectRule("adminOrMember", acmeAdmin, caller({ role: null }), "FORBIDDEN");
    // A role only counts within an active organization.
    await expectRule(
      "admin",
      acmeAdmin,
      caller({ role: "org:admin", organizationId: null }),
      "FORBIDDEN",
    );
  });

  it("hasPermission: needs every listed permission", async () => {
    await expectRule("canReadOrders", caller(), caller({ permissions: [] }), "FORBIDDEN");
    await expectRule(
      "canReadAndWriteOrders",
      caller({ permissions: ["org:orders:read", "org:orders:write"] }),
      caller(),
      "FORBIDDEN",
    );
  });

  it("isSuperAdmin: an admin acting in the configured superadmin organization", async () => {
    await expectRule("superAdmin", superAdmin(SecurityLevel.SignedIn), acmeAdmin, "FORBIDDEN");
    await expectRule(
      "superAdmin",
      superAdmin(),
      caller({ organizationId: SUPERADMIN_ORG, role: "org:member" }),
      "FORBIDDEN",
    );
    await expectRule("superAdmin", superAdmin(), anonymous, "UNAUTHENTICATED");
  });

  it("isSuperAdmin: nobody is a superadmin when no organization is configured", async () => {
    const unconfigured = shielded({});
    const result = await run(
      "{ superAdmin }",
      superAdmin(SecurityLevel.StepUp),
      undefined,
      unconfigured,
    );
    expect(codesOf(result)).toEqual({ superAdmin: "FORBIDDEN" });
  });

  it("hasSecondFactor and recentlyVerified: refuse with STEP_UP_REQUIRED", async () => {
    await expectRule(
      "secondFactor",
      caller({ securityLevel: SecurityLevel.SecondFactor }),
      caller(),
      "STEP_UP_REQUIRED",
    );
    await expectRule(
      "secondFactor",
      caller({ securityLevel: SecurityLevel.StepUp }),
      anonymous,
      "UNAUTHENTICATED",
    );
    await expectRule(
      "steppedUp",
      caller({ securityLevel: SecurityLevel.StepUp }),
      caller({ securityLevel: SecurityLevel.SecondFactor }),
      "STEP_UP_REQUIRED",
    );
  });

  it("adminOnly: a superadmin with a second factor, unless admins need no 2FA", async () => {
    await expectRule(
      "adminOnly",
      superAdmin(),
      superAdmin(SecurityLevel.SignedIn),
      "STEP_UP_REQUIRED",
    );
    await expectRule(
      "adminOnly",
      superAdmin(),
      caller({ role: "org:admin", securityLevel: SecurityLevel.StepUp }),
      "FORBIDDEN",
    );
    const without2fa = shielded({ ...ruleOptions, adminRequiresSecondFactor: false });
    const result = await run(
      "{ adminOnly }",
      superAdmin(SecurityLevel.SignedIn),
      undefined,
      without2fa,
    );
    expect(result).toEqual({ data: { adminOnly: "ok" } });
  });

  it("memoizes parameterized rules, so one rule tree may repeat them", () => {
    const rules = createRules();
    expect(rules.hasRole("admin")).toBe(rules.hasRole("org:admin"));
    expect(rules.hasRole("admin", "member")).toBe(rules.hasRole("org:member", "admin"));
    expect(rules.isMemberOf("org_x")).toBe(rules.isMemberOf("org_x"));
    expect(rules.isMemberOf("org_x")).not.toBe(rules.isMemberOf("org_y"));
    expect(() => rules.hasRole()).toThrow("at least one role");
    expect(() => rules.hasPermission()).toThrow("at least one permission");
  });
});

describe("parent-dependent rules, through _entities", () => {
  const entities = `query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Invoice { id organizationId total }
    ... on Organization { id name }
    ... on User { id email }
  } }`;
  const representations = [
    { __typename: "Invoice", id: "inv_acme_alice" },
    { __typename: "Organization", id: "org_acme" },
    { __typename: "User", id: "user_alice" },
  ];

  it("answers the owner", async () => {
    const result = await run(entities, caller(), { r: representations });
    expect(result).toEqual({
      data: {
        _entities: [
          { id: "inv_acme_alice", organizationId: "org_acme", total: 100 },
          { id: "org_acme", name: "Name of org_acme" },
          { id: "user_alice", email: "user_alice@example.com" },
        ],
      },
    });
  });

  it("ownsTenant, isOwnOrganization: field rules fire on entities of another tenant", async () => {
    const result = await run(entities, globex, { r: representations });
    expect(result.data).toEqual({
      _entities: [null, null, { id: "user_alice", email: null }],
    });
    // A refused non-null field nulls its entity, and graphql-js reports the first such error.
    const codes = codesOf(result);
    expect(new Set(Object.values(codes))).toEqual(new Set(["FORBIDDEN"]));
    expect(new Set(Object.keys(codes).map((path) => path.split(".")[1]))).toEqual(
      new Set(["0", "1", "2"]),
    );
    expect(codes["_entities.2.email"]).toBe("FORBIDDEN");
  });

  it("ownsRecord: another user of the same tenant sees the invoice but not its total", async () => {
    const result = await run(entities, caller({ userId: "user_bob" }), {
      r: [{ __typename: "Invoice", id: "inv_acme_alice" }],
    });
    expect(result.data).toEqual({ _entities: [null] });
    expect(codesOf(result)).toEqual({ "_entities.0.total": "FORBIDDEN" });
  });

  it("refuses anonymous callers on every entity field, though _entities itself is open", async () => {
    const result = await run(entities, anonymous, { r: representations });
    expect(result.data).toEqual({ _entities: [null, null, null] });
    expect(new Set(Object.values(codesOf(result)))).toEqual(new Set(["UNAUTHENTICATED"]));
  });

  it("leaves _service open to anyone", async () => {
    const result = await run("{ _service { sdl } }", anonymous);
    expect(result.errors).toBeUndefined();
    expect((result.data?._service as { sdl: string }).sdl).toContain("type Invoice");
  });

  it("denies an entity field the rule tree does not name, even to the owner", async () => {
    const result = await run(`{ invoice(id: "inv_acme_alice") { id memo } }`, caller());
    expect(result.data).toEqual({ invoice: { id: "inv_acme_alice", memo: null } });
    expect(codesOf(result)).toEqual({ "invoice.memo": "FORBIDDEN" });
  });
});

describe("refusals and errors", () => {
  it("falls back to deny: UNAUTHENTICATED for anonymous callers, FORBIDDEN otherwise", async () => {
    expect(codesOf(await run("{ unruled }", caller()))).toEqual({ unruled: "FORBIDDEN" });
    expect(codesOf(await run("{ unruled }", superAdmin(SecurityLevel.StepUp)))).toEqual({
      unruled: "FORBIDDEN",
    });
    expect(codesOf(await run("{ unruled }", anonymous))).toEqual({ unruled: "UNAUTHENTICATED" });
    expect(codesOf(await run("{ denied }", acmeAdmin))).toEqual({ denied: "FORBIDDEN" });
    expect(codesOf(await run("{ denied }", anonymous))).toEqual({ denied: "UNAUTHENTICATED" });
  });

  it("turns a bare false, and a rule that throws, into a typed refusal", async () => {
    expect(codesOf(await run("{ neverTrue ruleThrows }", caller()))).toEqual({
      neverTrue: "FORBIDDEN",
      ruleThrows: "FORBIDDEN",
    });
    expect(codesOf(await run("{ neverTrue }", anonymous))).toEqual({
      neverTrue: "UNAUTHENTICATED",
    });
  });

  it("passes RampartErrors thrown by resolvers through, with their extensions", async () => {
    const result = await run("{ badInput tooMany }", caller());
    expect(result.errors?.map((error) => [error.message, error.extensions])).toEqual([
      [
        "Quantity must be positive.",
        { field: "quantity", code: "BAD_USER_INPUT", http: { status: 400 } },
      ],
      [
        "Too many attempts. Try again in 30 seconds.",
        { retryAfterSeconds: 30, code: "TOO_MANY_ATTEMPTS", http: { status: 429 } },
      ],
    ]);
  });

  it("turns any other resolver error into a bare INTERNAL_SERVER_ERROR, logging the original", async () => {
    logged.length = 0;
    const result = await run("{ crash }", caller());
    expect(result.data).toEqual({ crash: null });
    expect(result.errors?.map((error) => [error.message, error.extensions])).toEqual([
      ["Internal server error.", { code: "INTERNAL_SERVER_ERROR", http: { status: 500 } }],
    ]);
    expect(JSON.stringify(result)).not.toContain("db-internal");
    expect(logged).toEqual([
      {
        details: { err: expect.any(Error), path: "crash" },
        message: "unexpected error in a resolver",
      },
    ]);
  });

  it("names STEP_UP_REQUIRED and TOO_MANY_ATTEMPTS with their HTTP statuses", () => {
    expect(RampartError.stepUpRequired().extensions).toEqual({
      code: "STEP_UP_REQUIRED",
      http: { status: 403 },
    });
    expect(RampartError.tooManyAttempts(0).extensions).toEqual({
      retryAfterSeconds: 1,
      code: "TOO_MANY_ATTEMPTS",
      http: { status: 429 },
    });
  });
});

describe("rule trees", () => {
  const rules = createRules(ruleOptions);

  it("work on a schema without federation fields", async () => {
    const plain = applyMiddleware(
      buildSchema("type Query { hello: String, other: String }"),
      createPermissions({ Query: { hello: rules.isAuthenticated } }),
    );
    const result = await graphql({
      schema: plain,
      source: "{ hello other }",
      rootValue: { hello: "world", other: "secret" },
      contextValue: { identity: caller() },
    });
    expect(result.data).toEqual({ hello: "world", other: null });
    expect(codesOf(result)).toEqual({ other: "FORBIDDEN" });
  });

  it("are checked against the schema: shield throws on a type or field that does not exist", () => {
    const base = buildSubgraphSchema({ typeDefs, resolvers });
    expect(() =>
      applyMiddleware(base, createPermissions({ Query: { nope: rules.isAuthenticated } })),
    ).toThrow("Query.nope");
    expect(() =>
      applyMiddleware(base, createPermissions({ Session: rules.isAuthenticated })),
    ).toThrow("Session");
  });

  it("fieldsWithoutRules lists what falls back to deny", () => {
    const base = buildSubgraphSchema({ typeDefs, resolvers });
    expect(fieldsWithoutRules(base, ruleTree(rules))).toEqual(["Invoice.memo", "Query.unruled"]);
    expect(fieldsWithoutRules(base, { Query: rules.isAuthenticated })).toEqual([
      "Invoice.id",
      "Invoice.memo",
      "Invoice.organizationId",
      "Invoice.total",
      "Invoice.userId",
      "Organization.id",
      "Organization.name",
      "User.email",
      "User.id",
    ]);
  });
});
