import { randomUUID } from "node:crypto";
import { SecurityLevel } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { Delivery, DeliveryStatus } from "../../src/modules/delivery/delivery.entity";
import { NotificationChannel } from "../../src/modules/notifications/notification.entity";
import { notificationsSubgraph } from "../../src/subgraph";

/**
 * Attack family "`_entities` representations" on notifications: `Notification` is an entity
 * (`@key(fields: "id")`), so an `_entities` fetch names one by id, and the caller writes the
 * rest of the representation. The reader rule must judge the stored notification, never the
 * recipient and organization the representation claims.
 */
let subgraph: TestSubgraph;
beforeAll(async () => {
  subgraph = await startTestSubgraph(notificationsSubgraph);
  // Carol's notification in Globex was sent to her phone.
  const em = subgraph.database.orm.em.fork();
  em.create(Delivery, {
    id: randomUUID(),
    notificationId: "ntf_3",
    organizationId: "org_demo_globex",
    channel: NotificationChannel.SMS,
    destination: "+15555550123",
    status: DeliveryStatus.SENT,
    attempts: 1,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await em.flush();
});
afterAll(() => subgraph?.stop());

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Notification { id title deliveries { destination status } } } }`;

describe("attack family: notification entity representations", () => {
  it("a representation claiming the caller as recipient reads nothing of someone else's notification", async () => {
    // Dave is a plain member of Globex, like Carol; ntf_3 is hers.
    const dave = testIdentity({
      userId: "user_demo_dave",
      organizationId: "org_demo_globex",
      organizationSlug: "globex",
      role: "org:member",
      securityLevel: SecurityLevel.SecondFactor,
    });
    const { body } = await subgraph.query(ENTITIES, {
      identity: dave,
      variables: {
        r: [
          {
            __typename: "Notification",
            id: "ntf_3",
            userId: "user_demo_dave",
            organizationId: "org_demo_globex",
            title: "anything",
          },
        ],
      },
    });
    expect(JSON.stringify(body.data ?? null)).not.toContain("SENT");
    expect(JSON.stringify(body.data ?? null)).not.toContain("0123");
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("a thousand refused representations in one request write one security event", async () => {
    const erin = testIdentity({
      userId: "user_attack_erin",
      organizationId: "org_demo_globex",
      organizationSlug: "globex",
      role: "org:member",
      securityLevel: SecurityLevel.SecondFactor,
    });
    const denials = async () =>
      (await subgraph.securityEvents()).filter(
        (event) => event.type === "authorization.denied" && event.actorId === "user_attack_erin",
      );
    const { body } = await subgraph.query(ENTITIES, {
      identity: erin,
      variables: {
        r: Array.from({ length: 1000 }, () => ({ __typename: "Notification", id: "ntf_3" })),
      },
    });
    expect(body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const deadline = Date.now() + 5_000;
    while ((await denials()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const recorded = await denials();
    expect(recorded).toHaveLength(1);
    expect(recorded[0].reason).toBe("isNotificationReader: FORBIDDEN");
  });

  it("the recipient still reads her own notification as an entity", async () => {
    const carol = testIdentity({
      userId: "user_demo_carol",
      organizationId: "org_demo_globex",
      organizationSlug: "globex",
    });
    const { body } = await subgraph.query(ENTITIES, {
      identity: carol,
      variables: { r: [{ __typename: "Notification", id: "ntf_3" }] },
    });
    expect(body).toEqual({
      data: {
        _entities: [
          {
            id: "ntf_3",
            title: "Order confirmed",
            deliveries: [{ destination: "***0123", status: "SENT" }],
          },
        ],
      },
    });
  });
});
