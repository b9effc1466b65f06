import fs from "node:fs";
import path from "node:path";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
});
afterAll(() => subgraph?.stop());

const notificationsOf = (userId: string, args = "") =>
  `{ _entities(representations: [{ __typename: "User", id: "${userId}" }]) { ... on User { id notifications${args} { id readAt } } } }`;

describe("notifications subgraph", () => {
  it("lists the caller's own notifications, newest first", async () => {
    const { body } = await subgraph.query(notificationsOf("user_demo_alice"), {
      identity: testIdentity(),
    });
    expect(body.data).toEqual({
      _entities: [
        {
          id: "user_demo_alice",
          notifications: [
            { id: "ntf_1", readAt: null },
            { id: "ntf_2", readAt: "2026-11-24T15:00:00.000Z" },
          ],
        },
      ],
    });
  });

  it("shows nobody else's notifications", async () => {
    const { body } = await subgraph.query(notificationsOf("user_demo_carol"), {
      identity: testIdentity(),
    });
    expect(body.data).toEqual({ _entities: [{ id: "user_demo_carol", notifications: [] }] });
  });

  it("marks a notification read, once, and only the caller's own", async () => {
    const marked = await subgraph.query(
      `mutation { markNotificationRead(id: "ntf_1") { id readAt } }`,
      { identity: testIdentity() },
    );
    const readAt = (marked.body.data?.markNotificationRead as { readAt: string }).readAt;
    expect(Date.parse(readAt)).toBeGreaterThan(Date.parse("2026-01-01"));
    const again = await subgraph.query(
      `mutation { markNotificationRead(id: "ntf_1") { readAt } }`,
      { identity: testIdentity() },
    );
    expect(again.body.data).toEqual({ markNotificationRead: { readAt } });
    const unread = await subgraph.query(notificationsOf("user_demo_alice", "(unreadOnly: true)"), {
      identity: testIdentity(),
    });
    expect(unread.body.data).toEqual({ _entities: [{ id: "user_demo_alice", notifications: [] }] });

    const someoneElses = await subgraph.query(
      `mutation { markNotificationRead(id: "ntf_3") { id } }`,
      { identity: testIdentity() },
    );
    expect(someoneElses.body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("refuses anonymous callers", async () => {
    const { body } = await subgraph.query(notificationsOf("user_demo_alice"));
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("refuses calls without a valid gateway assertion", async () => {
    for (const { name, headers } of await subgraph.untrustedAssertions()) {
      const { status } = await subgraph.queryWithHeaders(
        notificationsOf("user_demo_alice"),
        headers,
      );
      expect({ name, status }).toEqual({ name, status: 401 });
    }
  });

  it("publishes the committed SDL (run npm run compose after a schema change)", async () => {
    const committed = fs.readFileSync(path.join(__dirname, "..", "..", "schema.graphql"), "utf8");
    expect((await notificationsSubgraph.buildSchema()).sdl).toBe(committed);
  });
});
