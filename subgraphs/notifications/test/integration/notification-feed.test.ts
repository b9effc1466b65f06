import { randomUUID } from "node:crypto";
import { createLogger, SecurityLevel } from "@rampart/kit";
import { createMemoryStores, openDatabase, type Database } from "@rampart/kit/stores";
import { dropSchema, testIdentity, testServices, uniqueName } from "@rampart/kit/testing";
import { migrations } from "../../src/migrations";
import { Delivery } from "../../src/modules/delivery/delivery.entity";
import {
  announceNotification,
  subscribeToMyNotifications,
} from "../../src/modules/notifications/notification.feed";
import {
  Notification,
  NotificationChannel,
} from "../../src/modules/notifications/notification.entity";

const logger = createLogger({ service: "notifications", level: "silent" });
const stores = createMemoryStores();
let database: Database;
let schema: string;

beforeAll(async () => {
  schema = uniqueName("notifications");
  database = await openDatabase({
    schema,
    entities: [Notification, Delivery],
    migrations,
    databaseUrl: testServices().databaseUrl,
    pgliteDataDir: "memory://",
  });
});
afterAll(async () => {
  await database?.close();
  await stores.close();
  const { databaseUrl } = testServices();
  if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
});

async function create(userId: string | null, organizationId: string): Promise<Notification> {
  const em = database.orm.em.fork();
  const notification = em.create(Notification, {
    id: `ntf_${randomUUID()}`,
    userId,
    organizationId,
    channel: NotificationChannel.IN_APP,
    title: "t",
    body: "b",
    severity: null,
    readAt: null,
    archivedAt: null,
    createdAt: new Date(),
    sourceEventId: null,
  });
  await em.flush();
  await announceNotification(stores.pubsub, notification, logger);
  return notification;
}

describe("myNotifications feed", () => {
  it("yields the caller's new notifications and organization-wide ones to second-factor admins only", async () => {
    const admin = testIdentity({
      organizationId: "org_rampart_admin",
      role: "org:admin",
      securityLevel: SecurityLevel.SecondFactor,
    });
    const memberWithoutSecondFactor = testIdentity({ organizationId: "org_rampart_admin" });
    const adminFeed = await subscribeToMyNotifications(
      stores.pubsub,
      database.orm.em,
      admin,
      logger,
    );
    const memberFeed = await subscribeToMyNotifications(
      stores.pubsub,
      database.orm.em,
      memberWithoutSecondFactor,
      logger,
    );
    await create("user_demo_bob", "org_rampart_admin"); // someone else's
    const organizationWide = await create(null, "org_rampart_admin");
    const own = await create("user_demo_alice", "org_rampart_admin");
    await create("user_demo_alice", "org_demo_acme"); // another organization

    expect((await adminFeed.next()).value?.id).toBe(organizationWide.id);
    expect((await adminFeed.next()).value?.id).toBe(own.id);
    expect((await memberFeed.next()).value?.id).toBe(own.id);
    const nothingMore = await Promise.race([
      memberFeed.next().then(() => "more"),
      new Promise((resolve) => setTimeout(() => resolve("nothing"), 300)),
    ]);
    expect(nothingMore).toBe("nothing");
    await adminFeed.return?.();
    await memberFeed.return?.();
    expect(await adminFeed.next()).toEqual({ done: true, value: undefined });
  });
});
