import { SecurityLevel } from "@rampart/kit";
import { createRules, fieldsWithoutRules } from "@rampart/kit/subgraph";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { commerceRuleTree } from "../../src/permissions";
import { buildCommerceSchema } from "../../src/schema";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

const acmeMember = testIdentity({ role: "org:member" });
const globex = testIdentity({
  userId: "user_demo_carol",
  organizationId: "org_demo_globex",
  organizationSlug: "globex",
});
const withoutOrganization = testIdentity({ organizationId: null, organizationSlug: null });

/** Every root field, as a caller would select it. */
const rootFields = {
  organization: "{ organization { id } }",
  products: "{ products { id } }",
  orders: "{ orders { id } }",
  order: `{ order(id: "ord_acme_1001") { id } }`,
};
const entities = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Order { id } ... on Product { id } ... on Organization { id } ... on User { id }
} }`;
const acmeRepresentations = [
  { __typename: "Order", id: "ord_acme_1001" },
  { __typename: "Product", id: "prod_acme_tent" },
  { __typename: "Organization", id: "org_demo_acme" },
  { __typename: "User", id: "user_demo_bob" },
];

const codesOf = (body: { errors?: { extensions?: { code?: unknown } }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

describe("commerce permissions", () => {
  it("declare a rule for every field of every type", async () => {
    const { schema } = await buildCommerceSchema();
    expect(fieldsWithoutRules(schema, commerceRuleTree(createRules()))).toEqual([]);
  });

  it("refuse every root field to anonymous callers with UNAUTHENTICATED", async () => {
    for (const [field, query] of Object.entries(rootFields)) {
      const { body } = await subgraph.query(query);
      expect({ field, codes: codesOf(body) }).toEqual({ field, codes: ["UNAUTHENTICATED"] });
    }
  });

  it("refuse every entity type to anonymous callers with UNAUTHENTICATED", async () => {
    for (const representation of acmeRepresentations) {
      const { body } = await subgraph.query(entities, { variables: { r: [representation] } });
      // A reference resolver's own tenant check fails the whole field (data null); the field
      // rules null the entity. Either way nothing is shown.
      expect([null, { _entities: [null] }]).toContainEqual(body.data);
      expect({ representation, codes: codesOf(body) }).toEqual({
        representation,
        codes: ["UNAUTHENTICATED"],
      });
    }
  });

  it("refuse every root field and entity to signed-in callers without an organization", async () => {
    for (const [field, query] of Object.entries(rootFields)) {
      const { body } = await subgraph.query(query, { identity: withoutOrganization });
      expect({ field, codes: codesOf(body) }).toEqual({ field, codes: ["FORBIDDEN"] });
    }
    const { body } = await subgraph.query(entities, {
      identity: withoutOrganization,
      variables: { r: [{ __typename: "User", id: "user_demo_bob" }] },
    });
    expect(body.data).toEqual({ _entities: [null] });
    expect(codesOf(body)).toEqual(["FORBIDDEN"]);
  });

  it("show a member of another organization nothing of acme, by root field or entity", async () => {
    const { body } = await subgraph.query(
      `{ organization { id } products { id } orders { id } order(id: "ord_acme_1001") { id } }`,
      { identity: globex },
    );
    expect(body).toEqual({
      data: {
        organization: { id: "org_demo_globex" },
        products: [{ id: "prod_globex_lamp" }],
        orders: [{ id: "ord_globex_2001" }],
        order: null,
      },
    });
    const references = await subgraph.query(entities, {
      identity: globex,
      variables: { r: acmeRepresentations.slice(0, 3) },
    });
    expect(references.body).toEqual({ data: { _entities: [null, null, null] } });
  });

  it("let superadmins read any organization's directory fields, not its products or orders", async () => {
    const superadmin = testIdentity({
      userId: "user_rampart_root",
      organizationId: "org_rampart_admin",
      organizationSlug: "rampart",
      role: "org:admin",
      securityLevel: SecurityLevel.SecondFactor,
    });
    const directory = await subgraph.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id slug name } } }`,
      {
        identity: superadmin,
        variables: { r: [{ __typename: "Organization", id: "org_demo_acme" }] },
      },
    );
    expect(directory.body).toEqual({
      data: { _entities: [{ id: "org_demo_acme", slug: "acme", name: expect.any(String) }] },
    });
    // A read that passes records no refusal.
    const denials = async () =>
      (await subgraph.securityEvents()).filter((event) => event.actorId === superadmin.userId);
    expect(await denials()).toEqual([]);
    const tenantData = await subgraph.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { products { id } } } }`,
      {
        identity: superadmin,
        variables: { r: [{ __typename: "Organization", id: "org_demo_acme" }] },
      },
    );
    expect(codesOf(tenantData.body)).toEqual(["FORBIDDEN"]);
    const records = await subgraph.query(entities, {
      identity: superadmin,
      variables: { r: acmeRepresentations.slice(0, 2) },
    });
    expect(records.body).toEqual({ data: { _entities: [null, null] } });
    // Without the second factor the directory stays closed.
    const signedIn = await subgraph.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { name } } }`,
      {
        identity: { ...superadmin, securityLevel: SecurityLevel.SignedIn },
        variables: { r: [{ __typename: "Organization", id: "org_demo_acme" }] },
      },
    );
    expect(codesOf(signedIn.body)).toEqual(["FORBIDDEN"]);
  });

  it("let members who are not admins read their own tenant (no field needs a role)", async () => {
    const { body } = await subgraph.query(
      `{ organization { slug } order(id: "ord_acme_1001") { id customer { id } } }`,
      { identity: acmeMember },
    );
    expect(body).toEqual({
      data: {
        organization: { slug: "acme" },
        order: { id: "ord_acme_1001", customer: { id: "user_demo_bob" } },
      },
    });
  });

  it("leave _service open, so composition can read the SDL", async () => {
    const { body } = await subgraph.query("{ _service { sdl } }");
    expect(body.errors).toBeUndefined();
    expect((body.data?._service as { sdl: string }).sdl).toContain("type Order");
  });
});
