import fs from "node:fs";
import path from "node:path";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { fulfillmentSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(fulfillmentSubgraph);
});
afterAll(() => subgraph?.stop());

const orderShipments = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id shipments { id carrier status } } } }`;
const globex = testIdentity({ userId: "user_demo_carol", organizationId: "org_demo_globex" });

describe("fulfillment subgraph", () => {
  it("adds shipments to orders of the caller's tenant", async () => {
    const { body } = await subgraph.query(orderShipments, {
      identity: testIdentity(),
      variables: { r: [{ __typename: "Order", id: "ord_acme_1001" }] },
    });
    expect(body.data).toEqual({
      _entities: [
        {
          id: "ord_acme_1001",
          shipments: [{ id: "shp_acme_1", carrier: "UPS", status: "DELIVERED" }],
        },
      ],
    });
  });

  it("shows no shipments of another tenant's order", async () => {
    const { body } = await subgraph.query(orderShipments, {
      identity: globex,
      variables: { r: [{ __typename: "Order", id: "ord_acme_1001" }] },
    });
    expect(body.data).toEqual({ _entities: [{ id: "ord_acme_1001", shipments: [] }] });
    const direct = await subgraph.query(`{ shipment(id: "shp_acme_1") { id } }`, {
      identity: globex,
    });
    expect(direct.body).toEqual({ data: { shipment: null } });
  });

  it("refuses shipments to anonymous callers", async () => {
    const { body } = await subgraph.query(`{ shipment(id: "shp_acme_1") { id } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses calls without a valid gateway assertion", async () => {
    for (const { name, headers } of await subgraph.untrustedAssertions()) {
      const { status } = await subgraph.queryWithHeaders(
        `{ shipment(id: "shp_acme_1") { id } }`,
        headers,
      );
      expect({ name, status }).toEqual({ name, status: 401 });
    }
  });

  it("has no carrier webhook route without a webhook secret", async () => {
    const answer = await fetch(new URL("/webhooks/carrier", subgraph.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(answer.status).toBe(404);
  });

  it("publishes the committed SDL (run npm run compose after a schema change)", async () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect((await fulfillmentSubgraph.buildSchema()).sdl).toBe(committed);
  });
});
