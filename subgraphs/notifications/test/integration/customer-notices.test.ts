import { randomUUID } from "node:crypto";
import {
  createLogger,
  CUSTOMER_NOTICE_STREAM,
  customerNoticeFields,
  SecurityLevel,
  type CustomerNotice,
} from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import {
  startTestSubgraph,
  storeImplementations,
  testIdentity,
  type TestSubgraph,
} from "@rampart/kit/testing";
import { parseNotificationsConfig } from "../../src/config";
import { DeliveryEngine } from "../../src/modules/delivery/delivery.engine";
import { Delivery } from "../../src/modules/delivery/delivery.entity";
import {
  CUSTOMER_NOTICE_GROUP,
  CustomerNoticeDispatcher,
  dispatchCustomerNotice,
} from "../../src/modules/dispatch/customer-notice-dispatch";
import {
  Notification,
  NotificationAudience,
} from "../../src/modules/notifications/notification.entity";
import { isRecipient } from "../../src/modules/notifications/notification.feed";
import { notificationsSubgraph } from "../../src/subgraph";
import { poll, startHttpPeer, startSmtpPeer, type HttpPeer, type SmtpPeer } from "../support/peers";

const twilio = { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "test-twilio-token" };
const environment = (smtp: SmtpPeer, peer: HttpPeer) => ({
  SMTP_URL: smtp.url,
  SMTP_REQUIRE_TLS: "false",
  TWILIO_API_URL: peer.url,
  TWILIO_ACCOUNT_SID: twilio.accountSid,
  TWILIO_AUTH_TOKEN: twilio.authToken,
  TWILIO_FROM: "+15550000000",
  DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
  DELIVERY_POLL_INTERVAL_MS: "500",
});

let subgraph: TestSubgraph;
let smtp: SmtpPeer;
let peer: HttpPeer;
/** Enqueues only: the subgraph's own worker sends. */
let engine: DeliveryEngine;
const logger = createLogger({ service: "notifications-test", level: "silent" });

beforeAll(async () => {
  smtp = await startSmtpPeer();
  peer = await startHttpPeer({ twilio });
  subgraph = await startTestSubgraph(notificationsSubgraph, {
    environment: environment(smtp, peer),
  });
  engine = await DeliveryEngine.start({
    em: subgraph.database.orm.em.fork(),
    config: parseNotificationsConfig(environment(smtp, peer)),
    handlers: { send: async () => undefined, bury: async () => undefined },
    logger,
    work: false,
  });
}, 60_000);

afterAll(async () => {
  await engine?.stop();
  await subgraph?.stop();
  await smtp?.close();
  await peer?.close();
});

const acme = "org_demo_acme";
/** An admin of acme with a verified second factor: who reads customer notifications. */
const acmeAdmin = testIdentity({ role: "org:admin", securityLevel: SecurityLevel.SecondFactor });
const em = () => subgraph.database.orm.em.fork();

/** A notice as fulfillment's notify step hands it over. */
const noticeFor = (overrides: Partial<CustomerNotice> = {}): CustomerNotice => ({
  id: randomUUID(),
  organizationId: acme,
  shipmentId: `shp_${randomUUID()}`,
  orderId: "ord_acme_1001",
  status: "DELIVERED",
  carrier: "Test Carrier",
  trackingNumber: "TRK42",
  contact: { email: "pat@customer.test", phone: "+15557654321" },
  occurredAt: new Date().toISOString(),
  ...overrides,
});

const append = (notice: CustomerNotice, stores: Stores = subgraph.runtime.stores) =>
  stores.events.append(CUSTOMER_NOTICE_STREAM, customerNoticeFields(notice));

interface ReadCustomerNotification {
  id: string;
  title: string;
  body: string;
  audience: string;
  userId: string | null;
  deliveries: { channel: string; destination: string; status: string }[];
}

/** `Shipment.customerNotifications` as the gateway asks for it (an entity fetch). */
const customerNotifications = (shipmentId: string, identity = acmeAdmin) =>
  subgraph.query(
    `query($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Shipment { customerNotifications { id title body audience userId deliveries { channel destination status } } }
      }
    }`,
    { identity, variables: { representations: [{ __typename: "Shipment", id: shipmentId }] } },
  );

const notificationsOf = async (shipmentId: string, identity = acmeAdmin) => {
  const { body } = await customerNotifications(shipmentId, identity);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const [shipment] = (body.data as { _entities: { customerNotifications: unknown }[] })._entities;
  return shipment.customerNotifications as ReadCustomerNotification[];
};

const rowsOf = (noticeId: string) => em().find(Notification, { customerNoticeId: noticeId });

describe("customer notices", () => {
  it("sends a notice to its customer by email and SMS, read masked through its shipment", async () => {
    const notice = noticeFor();
    await append(notice);
    const mail = await smtp.waitFor((m) => m.to.includes("pat@customer.test"));
    expect(mail.raw).toContain("Subject: Your order ord_acme_1001 has been delivered");
    expect(mail.raw).toContain("TRK42");
    const sent = await poll(
      async () => {
        const list = await notificationsOf(notice.shipmentId);
        return list.length === 1 && list[0].deliveries.every((d) => d.status === "SENT")
          ? list[0]
          : null;
      },
      30_000,
      "the customer notification sent",
    );
    expect(sent).toMatchObject({ audience: "CUSTOMER", userId: null });
    // Created together: one creation time, so no order between them.
    const byChannel = [...sent.deliveries].sort((x, y) => x.channel.localeCompare(y.channel));
    expect(byChannel).toEqual([
      { channel: "EMAIL", destination: "p***@customer.test", status: "SENT" },
      { channel: "SMS", destination: "***4321", status: "SENT" },
    ]);
    expect(peer.requests.some((r) => r.body.includes("has+been+delivered"))).toBe(true);
  }, 40_000);

  it("keeps customer notices out of the organization's own lists and live feed", async () => {
    const notice = noticeFor({ status: "OUT_FOR_DELIVERY" });
    await append(notice);
    await poll(async () => (await rowsOf(notice.id)).length === 1, 20_000, "the notification");
    const { body } = await subgraph.query(
      `{
        organizationNotifications(first: 100) { id }
        adminNotifications(first: 100) { nodes { id } unreadCount }
        unreadNotificationCount
        me: _entities(representations: [{ __typename: "User", id: "user_demo_alice" }]) {
          ... on User { notifications(first: 100) { id } }
        }
      }`,
      { identity: acmeAdmin },
    );
    expect(body.errors).toBeUndefined();
    const customerIds = new Set(
      (await em().find(Notification, { audience: NotificationAudience.CUSTOMER })).map((n) => n.id),
    );
    expect(customerIds.has((await rowsOf(notice.id))[0].id)).toBe(true);
    const listed = JSON.stringify(body.data).match(/ntf_[0-9a-f-]+/g) ?? [];
    expect(listed.filter((id) => customerIds.has(id))).toEqual([]);
    // The counts are of the caller's own notifications: the customer's add nothing.
    const data = body.data as {
      adminNotifications: { nodes: { id: string }[]; unreadCount: number };
      unreadNotificationCount: number;
    };
    const own = await em().count(Notification, {
      userId: acmeAdmin.userId,
      organizationId: acme,
      readAt: null,
      archivedAt: null,
    });
    expect([data.adminNotifications.unreadCount, data.unreadNotificationCount]).toEqual([own, own]);
    // The live feed: an admin receives an organization-wide notification, never a customer's.
    const [row] = await rowsOf(notice.id);
    expect(isRecipient(acmeAdmin, row)).toBe(false);
    expect(isRecipient(acmeAdmin, { ...row, audience: NotificationAudience.STAFF })).toBe(true);
  }, 30_000);

  it("shows a shipment's customer notifications to its tenant's admins with a second factor only", async () => {
    const notice = noticeFor({ status: "LABEL_CREATED" });
    await append(notice);
    await poll(async () => (await rowsOf(notice.id)).length === 1, 20_000, "the notification");
    expect(await notificationsOf(notice.shipmentId)).toHaveLength(1);
    const globexAdmin = testIdentity({
      userId: "user_demo_carol",
      organizationId: "org_demo_globex",
      role: "org:admin",
      securityLevel: SecurityLevel.SecondFactor,
    });
    expect(await notificationsOf(notice.shipmentId, globexAdmin)).toEqual([]);
    const member = await customerNotifications(notice.shipmentId, {
      ...acmeAdmin,
      role: "org:member",
    });
    expect(member.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const firstFactor = await customerNotifications(notice.shipmentId, {
      ...acmeAdmin,
      securityLevel: SecurityLevel.SignedIn,
    });
    expect(firstFactor.body.errors?.[0]?.extensions?.code).toBe("STEP_UP_REQUIRED");
    // Fetched as an entity by id, a customer notification is still its tenant's admins' only.
    const [row] = await rowsOf(notice.id);
    const fetched = await subgraph.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Notification { title } } }`,
      { identity: globexAdmin, variables: { r: [{ __typename: "Notification", id: row.id }] } },
    );
    expect(fetched.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  }, 30_000);

  it("sends a notice appended twice once", async () => {
    const notice = noticeFor({ contact: { email: "twice@customer.test", phone: null } });
    await append(notice);
    await append(notice);
    await smtp.waitFor((m) => m.to.includes("twice@customer.test"));
    await poll(
      async () =>
        (await subgraph.runtime.stores.events.read(CUSTOMER_NOTICE_STREAM, { count: 100_000 }))
          .length > 0 && (await rowsOf(notice.id)).length === 1,
      20_000,
      "the notification",
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rowsOf(notice.id)).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.to.includes("twice@customer.test"))).toHaveLength(1);
    expect(await notificationsOf(notice.shipmentId)).toEqual([
      expect.objectContaining({ deliveries: [expect.objectContaining({ channel: "EMAIL" })] }),
    ]);
  }, 30_000);

  it("of consumers racing on one notice, creates one notification and one delivery per contact", async () => {
    const notice = noticeFor({ contact: { email: null, phone: "+15550001111" } });
    const created = await Promise.all(
      Array.from({ length: 6 }, () => dispatchCustomerNotice(em(), engine, notice, logger)),
    );
    expect(created.filter((id) => id !== null)).toHaveLength(1);
    const rows = await rowsOf(notice.id);
    expect(rows).toHaveLength(1);
    expect(await em().count(Delivery, { notificationId: rows[0].id })).toBe(1);
  }, 30_000);

  it("acknowledges an entry that is no valid notice, and goes on with the next", async () => {
    await subgraph.runtime.stores.events.append(CUSTOMER_NOTICE_STREAM, { notice: "{" });
    await append({
      ...noticeFor(),
      contact: { email: "not-an-address", phone: null },
    } as CustomerNotice);
    const next = noticeFor({ contact: { email: "next@customer.test", phone: null } });
    await append(next);
    await smtp.waitFor((m) => m.to.includes("next@customer.test"));
    expect(smtp.mails.some((m) => m.to.includes("not-an-address"))).toBe(false);
  }, 30_000);
});

describe("customer notices after a crash", () => {
  // Stores of their own, so the subgraph's running consumer does not take these entries.
  const implementation = storeImplementations().at(-1)!;
  let stores: Stores;
  beforeEach(() => {
    stores = implementation.create();
  });
  afterEach(() => stores.close());

  /** A consumer that reads `count` entries and dies before it acknowledges them. */
  const readAndDie = async (consumer: string) => {
    await stores.events.ensureGroup(CUSTOMER_NOTICE_STREAM, CUSTOMER_NOTICE_GROUP);
    return stores.events.readGroup(CUSTOMER_NOTICE_STREAM, CUSTOMER_NOTICE_GROUP, consumer);
  };
  const restart = async (consumer: string) => {
    const dispatcher = new CustomerNoticeDispatcher({
      events: stores.events,
      em: subgraph.database.orm.em,
      engine,
      logger,
      consumer,
      blockMs: 100,
    });
    await dispatcher.start();
    return dispatcher;
  };
  const pendingOf = (consumer: string) =>
    stores.events.readGroup(CUSTOMER_NOTICE_STREAM, CUSTOMER_NOTICE_GROUP, consumer, {
      pending: true,
    });

  it("re-reads a notice whose process died before it committed, and dispatches it", async () => {
    const notice = noticeFor();
    await append(notice, stores);
    expect(await readAndDie("notifications-a")).toHaveLength(1);
    expect(await rowsOf(notice.id)).toEqual([]);
    const dispatcher = await restart("notifications-a");
    try {
      await poll(async () => (await rowsOf(notice.id)).length === 1, 10_000, "the notification");
      await poll(async () => (await pendingOf("notifications-a")).length === 0, 10_000, "the ack");
    } finally {
      await dispatcher.stop();
    }
    const [row] = await rowsOf(notice.id);
    expect(await em().count(Delivery, { notificationId: row.id })).toBe(2);
  }, 30_000);

  it("re-reads a notice whose process died after it committed, and dispatches it no second time", async () => {
    const notice = noticeFor();
    await append(notice, stores);
    expect(await readAndDie("notifications-b")).toHaveLength(1);
    // Committed, then the process died before acknowledging.
    expect(await dispatchCustomerNotice(em(), engine, notice, logger)).not.toBeNull();
    const dispatcher = await restart("notifications-b");
    try {
      await poll(async () => (await pendingOf("notifications-b")).length === 0, 10_000, "the ack");
    } finally {
      await dispatcher.stop();
    }
    const rows = await rowsOf(notice.id);
    expect(rows).toHaveLength(1);
    expect(await em().count(Delivery, { notificationId: rows[0].id })).toBe(2);
  }, 30_000);
});
