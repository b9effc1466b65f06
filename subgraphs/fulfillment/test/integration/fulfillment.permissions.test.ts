import { createRules, fieldsWithoutRules } from "@rampart/kit/subgraph";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { fulfillmentRuleTree } from "../../src/permissions";
import { buildFulfillmentSchema } from "../../src/schema";
import { fulfillmentSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(fulfillmentSubgraph);
});
afterAll(() => subgraph?.stop());

const globex = testIdentity({ userId: "user_demo_carol", organizationId: "org_demo_globex" });
const withoutOrganization = testIdentity({ organizationId: null, organizationSlug: null });
const shipment = `{ shipment(id: "shp_acme_1") { id carrier } }`;
const entities = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Order { id shipments { id } } ... on Shipment { id carrier }
} }`;
const orderRef = { __typename: "Order", id: "ord_acme_1001" };
const shipmentRef = { __typename: "Shipment", id: "shp_acme_1" };

const codesOf = (body: { errors?: { extensions?: { code?: unknown } }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

describe("fulfillment permissions", () => {
  it("declare a rule for every field of every type", async () => {
    const { schema } = await buildFulfillmentSchema();
    expect(fieldsWithoutRules(schema, fulfillmentRuleTree(createRules()))).toEqual([]);
  });

  it("refuse the root field and every entity type to anonymous callers", async () => {
    const root = await subgraph.query(shipment);
    expect(root.body.data).toEqual({ shipment: null });
    expect(codesOf(root.body)).toEqual(["UNAUTHENTICATED"]);
    for (const representation of [orderRef, shipmentRef]) {
      const { body } = await subgraph.query(entities, { variables: { r: [representation] } });
      // Order references resolve without a check of their own: the field rules refuse them.
      expect([null, { _entities: [null] }]).toContainEqual(body.data);
      expect({ representation, codes: codesOf(body) }).toEqual({
        representation,
        codes: ["UNAUTHENTICATED"],
      });
    }
  });

  it("refuse signed-in callers without an organization", async () => {
    const root = await subgraph.query(shipment, { identity: withoutOrganization });
    expect(codesOf(root.body)).toEqual(["FORBIDDEN"]);
    const { body } = await subgraph.query(entities, {
      identity: withoutOrganization,
      variables: { r: [orderRef] },
    });
    expect(body.data).toEqual({ _entities: [null] });
    expect(codesOf(body)).toEqual(["FORBIDDEN"]);
  });

  it("show a member of another organization none of acme's shipments", async () => {
    const root = await subgraph.query(shipment, { identity: globex });
    expect(root.body).toEqual({ data: { shipment: null } });
    const { body } = await subgraph.query(entities, {
      identity: globex,
      variables: { r: [orderRef, shipmentRef] },
    });
    expect(body).toEqual({ data: { _entities: [{ id: "ord_acme_1001", shipments: [] }, null] } });
  });

  it("answer a member who is not an admin (no field needs a role)", async () => {
    const { body } = await subgraph.query(entities, {
      identity: testIdentity({ role: "org:member" }),
      variables: { r: [orderRef, shipmentRef] },
    });
    expect(body).toEqual({
      data: {
        _entities: [
          { id: "ord_acme_1001", shipments: [{ id: "shp_acme_1" }] },
          { id: "shp_acme_1", carrier: "UPS" },
        ],
      },
    });
  });
});
