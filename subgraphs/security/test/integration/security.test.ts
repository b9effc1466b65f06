import fs from "node:fs";
import path from "node:path";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { securitySubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(securitySubgraph);
});
afterAll(() => subgraph?.stop());

describe("security subgraph", () => {
  it("answers me for the asserted user", async () => {
    const { status, body } = await subgraph.query("{ me { id email displayName } }", {
      identity: testIdentity(),
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: {
        me: { id: "user_demo_alice", email: "alice@acme.example", displayName: "Alice Admin" },
      },
    });
  });

  it("provisions a user it has not seen before", async () => {
    const { body } = await subgraph.query("{ me { id email } }", {
      identity: testIdentity({ userId: "user_new_1" }),
    });
    expect(body.data).toEqual({ me: { id: "user_new_1", email: null } });
  });

  it("answers me with null for an anonymous caller", async () => {
    const { body } = await subgraph.query("{ me { id } }");
    expect(body).toEqual({ data: { me: null } });
  });

  it("resolves User entity references", async () => {
    const { body } = await subgraph.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName } } }`,
      {
        identity: testIdentity(),
        variables: {
          r: [
            { __typename: "User", id: "user_demo_bob" },
            { __typename: "User", id: "user_missing" },
          ],
        },
      },
    );
    expect(body.data).toEqual({
      _entities: [{ id: "user_demo_bob", displayName: "Bob Buyer" }, null],
    });
  });

  it("refuses calls without a valid gateway assertion", async () => {
    for (const { name, headers } of await subgraph.untrustedAssertions()) {
      const { status, body } = await subgraph.queryWithHeaders("{ me { id } }", headers);
      expect({ name, status, code: body.errors?.[0]?.extensions?.code, data: body.data }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
        data: undefined,
      });
    }
  });

  it("keeps GET /health open", async () => {
    const response = await fetch(new URL("/health", subgraph.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      service: "security",
      status: "up",
      checks: { database: { status: "up" } },
    });
  });

  it("publishes the committed SDL (run npm run compose after a schema change)", async () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect((await securitySubgraph.buildSchema()).sdl).toBe(committed);
  });
});
