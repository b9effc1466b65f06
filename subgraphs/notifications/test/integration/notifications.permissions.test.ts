import { createRules, fieldsWithoutRules } from "@rampart/kit/subgraph";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsRuleTree } from "../../src/permissions";
import { buildNotificationsSchema } from "../../src/schema";
import { notificationsSubgraph } from "../../src/subgraph";

let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
});
afterAll(() => subgraph?.stop());

const alice = testIdentity();
const withoutOrganization = testIdentity({ organizationId: null, organizationSlug: null });
const notificationsOf = (userId: string) =>
  `{ _entities(representations: [{ __typename: "User", id: "${userId}" }]) { ... on User { id notifications { id title } } } }`;
const markRead = `mutation { markNotificationRead(id: "ntf_2") { id readAt } }`;
const notificationEntity = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Notification { id title } } }`;

const codesOf = (body: { errors?: { extensions?: { code?: unknown } }[] }) =>
  [...new Set((body.errors ?? []).map((error) => error.extensions?.code))].sort();

describe("notifications permissions", () => {
  it("declare a rule for every field of every type", async () => {
    const { schema } = await buildNotificationsSchema();
    expect(fieldsWithoutRules(schema, notificationsRuleTree(createRules()))).toEqual([]);
  });

  it("refuse the mutation and every entity type to anonymous callers", async () => {
    const mutation = await subgraph.query(markRead);
    expect(mutation.body.data).toBeNull();
    expect(codesOf(mutation.body)).toEqual(["UNAUTHENTICATED"]);
    const users = await subgraph.query(notificationsOf("user_demo_alice"));
    expect(users.body.data).toEqual({ _entities: [null] });
    expect(codesOf(users.body)).toEqual(["UNAUTHENTICATED"]);
    const notifications = await subgraph.query(notificationEntity, {
      variables: { r: [{ __typename: "Notification", id: "ntf_1" }] },
    });
    expect(notifications.body.data).toEqual({ _entities: [null] });
    expect(codesOf(notifications.body)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuse the mutation to signed-in callers without an organization, and list nothing", async () => {
    const mutation = await subgraph.query(markRead, { identity: withoutOrganization });
    expect(codesOf(mutation.body)).toEqual(["FORBIDDEN"]);
    const { body } = await subgraph.query(notificationsOf("user_demo_alice"), {
      identity: withoutOrganization,
    });
    expect(body).toEqual({ data: { _entities: [{ id: "user_demo_alice", notifications: [] }] } });
  });

  it("show nobody another user's notification, even as a forged entity representation", async () => {
    // A reference resolves to the stored notification: the field rules judge it, not what the
    // representation claims (test/attacks/notification-entities.test.ts).
    const { body } = await subgraph.query(notificationEntity, {
      identity: alice,
      variables: {
        r: [
          { __typename: "Notification", id: "ntf_3" },
          {
            __typename: "Notification",
            id: "ntf_3",
            userId: "user_demo_carol",
            organizationId: "org_demo_globex",
            title: "forged",
          },
          {
            __typename: "Notification",
            id: "ntf_x",
            userId: "user_demo_alice",
            organizationId: "org_demo_globex",
            title: "other tenant",
          },
        ],
      },
    });
    expect(body.data).toEqual({ _entities: [null, null, null] });
    expect(codesOf(body)).toEqual(["FORBIDDEN"]);
  });

  it("show acme's notifications to nobody else in acme, nor to alice acting in another organization", async () => {
    const carol = testIdentity({ userId: "user_demo_carol" });
    const { body } = await subgraph.query(notificationsOf("user_demo_alice"), { identity: carol });
    expect(body).toEqual({ data: { _entities: [{ id: "user_demo_alice", notifications: [] }] } });
    const mutation = await subgraph.query(markRead, { identity: carol });
    expect(codesOf(mutation.body)).toEqual(["NOT_FOUND"]);

    const aliceAtGlobex = testIdentity({ organizationId: "org_demo_globex" });
    const elsewhere = await subgraph.query(notificationsOf("user_demo_alice"), {
      identity: aliceAtGlobex,
    });
    expect(elsewhere.body).toEqual({
      data: { _entities: [{ id: "user_demo_alice", notifications: [] }] },
    });
    const markElsewhere = await subgraph.query(markRead, { identity: aliceAtGlobex });
    expect(codesOf(markElsewhere.body)).toEqual(["NOT_FOUND"]);
  });

  it("answer the recipient, whatever their role", async () => {
    const { body } = await subgraph.query(markRead, {
      identity: testIdentity({ role: "org:member" }),
    });
    expect(body.errors).toBeUndefined();
    expect(body.data).toMatchObject({ markNotificationRead: { id: "ntf_2" } });
  });
});
