import { SecurityLevel } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
});
afterAll(() => subgraph?.stop());

const alice = testIdentity();
const carol = testIdentity({ userId: "user_demo_carol", organizationId: "org_demo_globex" });

interface Page {
  nodes: { id: string; readAt: string | null; archivedAt: string | null }[];
  endCursor: string | null;
  hasNextPage: boolean;
  unreadCount: number;
}

const page = async (args: string, identity = alice) => {
  const { body } = await subgraph.query(
    `{ adminNotifications${args} { nodes { id readAt archivedAt } endCursor hasNextPage unreadCount } }`,
    { identity },
  );
  return body;
};

describe("the caller's notifications", () => {
  it("pages newest first with an opaque cursor and counts the unread", async () => {
    const first = (await page("(first: 1)")).data?.adminNotifications as Page;
    expect(first.nodes.map((n) => n.id)).toEqual(["ntf_1"]);
    expect(first).toMatchObject({ hasNextPage: true, unreadCount: 1 });
    const second = (await page(`(first: 1, after: "${first.endCursor}")`)).data
      ?.adminNotifications as Page;
    expect(second.nodes.map((n) => n.id)).toEqual(["ntf_2"]);
    expect(second.hasNextPage).toBe(false);
  });

  it("refuses a cursor it did not give with BAD_USER_INPUT", async () => {
    const body = await page('(after: "bm90LWEtY3Vyc29y")');
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("never shows or touches someone else's notifications", async () => {
    const mine = (await page("", carol)).data?.adminNotifications as Page;
    expect(mine.nodes.map((n) => n.id)).toEqual(["ntf_3"]);
    const { body } = await subgraph.query(`mutation { archiveNotification(id: "ntf_3") { id } }`, {
      identity: alice,
    });
    expect(body.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("marks all read atomically: two concurrent calls mark each notification once", async () => {
    const results = await Promise.all(
      [0, 1].map(() =>
        subgraph.query(`mutation { markAllNotificationsRead }`, { identity: carol }),
      ),
    );
    const counts = results.map((r) => r.body.data?.markAllNotificationsRead as number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    const { body } = await subgraph.query(`{ unreadNotificationCount }`, { identity: carol });
    expect(body.data).toEqual({ unreadNotificationCount: 0 });
  });

  it("archives: the notification leaves the default list, is read, and stays reachable", async () => {
    const { body } = await subgraph.query(
      `mutation { archiveNotification(id: "ntf_1") { id readAt archivedAt } }`,
      { identity: alice },
    );
    const archived = body.data?.archiveNotification as Page["nodes"][number];
    expect(archived.archivedAt).not.toBeNull();
    expect(archived.readAt).not.toBeNull();
    const list = (await page("")).data?.adminNotifications as Page;
    expect(list.nodes.map((n) => n.id)).toEqual(["ntf_2"]);
    expect(list.unreadCount).toBe(0);
    const all = (await page("(includeArchived: true)")).data?.adminNotifications as Page;
    expect(all.nodes.map((n) => n.id)).toEqual(["ntf_1", "ntf_2"]);
  });

  it("refuses anonymous callers and callers without an organization", async () => {
    const anonymous = await subgraph.query(`{ unreadNotificationCount }`);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const noOrganization = await subgraph.query(`{ unreadNotificationCount }`, {
      identity: testIdentity({ organizationId: null }),
    });
    expect(noOrganization.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("refuses a channel preference for a channel this deployment cannot send on", async () => {
    const { body } = await subgraph.query(
      `mutation { setMyChannelPreference(channel: EMAIL, destination: "alice@acme.test") { id } }`,
      { identity: testIdentity({ securityLevel: SecurityLevel.SecondFactor }) },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(body.errors?.[0]?.message).toBe("No EMAIL provider is configured on this deployment.");
  });
});
