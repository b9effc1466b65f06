import fs from "node:fs";
import path from "node:path";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { commerceSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(commerceSubgraph);
});
afterAll(() => subgraph?.stop());

const acme = testIdentity();
const globex = testIdentity({
  userId: "user_demo_carol",
  organizationId: "org_demo_globex",
  organizationSlug: "globex",
});
const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } ... on Product { id } ... on Organization { id name } } }`;

describe("commerce subgraph", () => {
  it("lists the active organization's orders, newest first, with the customer reference", async () => {
    const { body } = await subgraph.query("{ orders { id status customer { id } } }", {
      identity: acme,
    });
    expect(body).toEqual({
      data: {
        orders: [
          { id: "ord_acme_1002", status: "PAID", customer: { id: "user_demo_bob" } },
          { id: "ord_acme_1001", status: "FULFILLED", customer: { id: "user_demo_bob" } },
        ],
      },
    });
  });

  it("answers organization with its products and orders", async () => {
    const { body } = await subgraph.query(
      "{ organization { id name products { sku } orders(first: 1) { id } } }",
      { identity: acme },
    );
    expect(body.data).toEqual({
      organization: {
        id: "org_demo_acme",
        name: "Acme Outfitters",
        products: [{ sku: "STOVE-1" }, { sku: "TENT-2P" }],
        orders: [{ id: "ord_acme_1002" }],
      },
    });
  });

  it("never shows one tenant's orders to another, by root field or by entity reference", async () => {
    const byRoot = await subgraph.query(`{ order(id: "ord_acme_1001") { id } }`, {
      identity: globex,
    });
    expect(byRoot.body).toEqual({ data: { order: null } });
    const byReference = await subgraph.query(entities, {
      identity: globex,
      variables: {
        r: [
          { __typename: "Order", id: "ord_acme_1001" },
          { __typename: "Product", id: "prod_acme_tent" },
          { __typename: "Organization", id: "org_demo_acme" },
          { __typename: "Order", id: "ord_globex_2001" },
        ],
      },
    });
    expect(byReference.body.data).toEqual({
      _entities: [null, null, null, { id: "ord_globex_2001" }],
    });
  });

  it("refuses tenant data to anonymous callers and callers without an organization", async () => {
    const anonymous = await subgraph.query("{ orders { id } }");
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(anonymous.body.data).toBeNull();
    const noOrganization = await subgraph.query("{ products { id } }", {
      identity: testIdentity({ organizationId: null }),
    });
    expect(noOrganization.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("clamps page sizes", async () => {
    const { body } = await subgraph.query("{ orders(first: -5) { id } }", { identity: acme });
    expect(body.data).toEqual({ orders: [{ id: "ord_acme_1002" }] });
  });

  it("refuses calls without a valid gateway assertion", async () => {
    for (const { name, headers } of await subgraph.untrustedAssertions()) {
      const { status, body } = await subgraph.queryWithHeaders("{ orders { id } }", headers);
      expect({ name, status, code: body.errors?.[0]?.extensions?.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
  });

  it("publishes the committed SDL (run npm run compose after a schema change)", async () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect((await commerceSubgraph.buildSchema()).sdl).toBe(committed);
  });
});
