import { SecurityLevel } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsSubgraph } from "../../src/subgraph";

/**
 * Attack family "malformed ids" on channel preferences: their ids are UUIDs in PostgreSQL, and
 * an id that is not one reached the database and came back as INTERNAL_SERVER_ERROR. An id
 * that names no preference of the caller's removes nothing, whatever its shape.
 */
let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
});
afterAll(() => subgraph?.stop());

const admin = testIdentity({ role: "org:admin", securityLevel: SecurityLevel.StepUp });

describe("attack family: malformed channel preference ids", () => {
  it.each([
    ["removeMyChannelPreference", "a word", "not-a-uuid"],
    ["removeOrganizationChannelPreference", "one letter", "x"],
    ["removeMyChannelPreference", "a UUID with a g", "00000000-0000-0000-0000-00000000000g"],
    ["removeOrganizationChannelPreference", "an injection", "' or 1=1 --"],
    ["removeMyChannelPreference", "5,000 digits", "1".repeat(5_000)],
  ])("%s with %s as id removes nothing, without an internal error", async (mutation, _what, id) => {
    const { body } = await subgraph.query(`mutation($id: ID!) { ${mutation}(id: $id) }`, {
      identity: admin,
      variables: { id },
    });
    expect(body).toEqual({ data: { [mutation]: false } });
  });

  it("a well-formed id of no preference removes nothing either", async () => {
    const { body } = await subgraph.query(
      `mutation { removeMyChannelPreference(id: "7d3c4a52-7a1b-4d0e-9a51-3f0c2b6e8d10") }`,
      { identity: admin },
    );
    expect(body).toEqual({ data: { removeMyChannelPreference: false } });
  });
});
