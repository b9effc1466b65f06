import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsSubgraph } from "../../src/subgraph";

/**
 * Attack family "forged cursors" on adminNotifications: a cursor is client text, base64url of
 * `<createdAt>|<id>`. One whose time JavaScript accepts but PostgreSQL cannot hold (years
 * -271821 or +275760) reached the database and came back as INTERNAL_SERVER_ERROR.
 */
let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
});
afterAll(() => subgraph?.stop());

const alice = testIdentity();
const cursorOf = (text: string) => Buffer.from(text, "utf8").toString("base64url");

describe("attack family: forged notification cursors", () => {
  it.each([
    "-271821-04-20T00:00:00.000Z|ntf_1",
    "+275760-09-13T00:00:00.000Z|ntf_1",
    "0|ntf_1",
    "2026-11-25T15:00:00.000Z|",
  ])("refuses the cursor of %j with BAD_USER_INPUT", async (text) => {
    const { body } = await subgraph.query(
      `query($after: String) { adminNotifications(after: $after) { endCursor } }`,
      { identity: alice, variables: { after: cursorOf(text) } },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("still pages with the cursors it gives", async () => {
    const query = `query($after: String) { adminNotifications(first: 1, after: $after) { nodes { id } endCursor } }`;
    const first = await subgraph.query(query, { identity: alice });
    const { endCursor } = first.body.data?.adminNotifications as { endCursor: string };
    const second = await subgraph.query(query, {
      identity: alice,
      variables: { after: endCursor },
    });
    expect(second.body.errors).toBeUndefined();
  });
});
