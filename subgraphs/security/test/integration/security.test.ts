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

  // Regression: enrollment could begin at level 1 with a sign-in of any age (a stolen token).
  it.each([
    ["no first-factor time in the assertion", {}],
    ["a sign-in 11 minutes old (the window is 10)", { firstFactorAt: Date.now() - 11 * 60_000 }],
  ])("refuses to begin 2FA enrollment with %s: 403 FORBIDDEN", async (_name, overrides) => {
    const { status, body } = await subgraph.query(
      "mutation { beginTwoFactorEnrollment { secret } }",
      { identity: testIdentity({ userId: "user_enroll_old", ...overrides }) },
    );
    expect([
      status,
      body.errors?.[0]?.extensions?.code,
      body.errors?.[0]?.extensions?.reason,
    ]).toEqual([200, "FORBIDDEN", "TWO_FACTOR_RECENT_SIGN_IN_REQUIRED"]);
  });

  it("begins 2FA enrollment after a recent sign-in, and refuses a second one unless replacing", async () => {
    const identity = testIdentity({
      userId: "user_enroll_recent",
      firstFactorAt: Date.now() - 60_000,
    });
    const begin = (replacePending: boolean) =>
      subgraph.query(
        "mutation($r: Boolean!) { beginTwoFactorEnrollment(replacePending: $r) { secret } }",
        { identity, variables: { r: replacePending } },
      );
    expect((await begin(false)).body.errors).toBeUndefined();
    expect((await begin(false)).body.errors?.[0]?.extensions?.reason).toBe(
      "TWO_FACTOR_ENROLLMENT_PENDING",
    );
    expect((await begin(true)).body.errors).toBeUndefined();
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
