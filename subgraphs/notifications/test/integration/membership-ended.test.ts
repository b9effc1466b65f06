import { randomBytes, randomUUID } from "node:crypto";
import { MEMBERSHIP_ENDED_EVENT, type SecurityEvent } from "@rampart/kit";
import { startTestSubgraph, type TestSubgraph } from "@rampart/kit/testing";
import { Delivery } from "../../src/modules/delivery/delivery.entity";
import {
  Notification,
  NotificationChannel,
} from "../../src/modules/notifications/notification.entity";
import {
  ChannelPreference,
  ORGANIZATION_RECIPIENT,
} from "../../src/modules/preferences/channel-preference.entity";
import { notificationsSubgraph } from "../../src/subgraph";
import { poll, startSmtpPeer, type SmtpPeer } from "../support/peers";

/** The organization alerts belong to (the default CLERK_SUPERADMIN_ORG_ID). */
const ADMIN_ORG = "org_rampart_admin";
const OTHER_ORG = "org_demo_acme";

let subgraph: TestSubgraph;
let smtp: SmtpPeer;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  subgraph = await startTestSubgraph(notificationsSubgraph, {
    environment: {
      SMTP_URL: smtp.url,
      SMTP_REQUIRE_TLS: "false",
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      DELIVERY_POLL_INTERVAL_MS: "500",
    },
  });
}, 60_000);

afterAll(async () => {
  await subgraph?.stop();
  await smtp?.close();
});

const em = () => subgraph.database.orm.em.fork();

const record = (event: Partial<SecurityEvent> & Pick<SecurityEvent, "type" | "reason">) =>
  subgraph.runtime.securityEvents.record({
    severity: "medium",
    actorId: null,
    organizationId: null,
    ip: null,
    requestId: null,
    ...event,
  });

/** Stores an email preference for alerts of high severity and above. */
async function emailPreference(organizationId: string, recipientId: string): Promise<string> {
  const destination = `${recipientId === ORGANIZATION_RECIPIENT ? "team" : recipientId}.${randomBytes(3).toString("hex")}@rampart.test`;
  await em().insert(ChannelPreference, {
    id: randomUUID(),
    organizationId,
    recipientId,
    channel: NotificationChannel.EMAIL,
    destination,
    minSeverity: "high",
    enabled: true,
    signingSecretVersion: 0,
    updatedAt: new Date(),
  });
  return destination;
}

const enabledOf = async (destination: string) =>
  (await em().findOneOrFail(ChannelPreference, { destination })).enabled;

describe("alert channels of an ended membership", () => {
  it("disables the user's own preferences there, so the next alert reaches the organization's and the other admins' channels only", async () => {
    const leaver = `user_leaver_${randomBytes(3).toString("hex")}`;
    const stayer = `user_stayer_${randomBytes(3).toString("hex")}`;
    const leaverHere = await emailPreference(ADMIN_ORG, leaver);
    const leaverElsewhere = await emailPreference(OTHER_ORG, leaver);
    const stayerHere = await emailPreference(ADMIN_ORG, stayer);
    const team = await emailPreference(ADMIN_ORG, ORGANIZATION_RECIPIENT);

    await record({
      type: MEMBERSHIP_ENDED_EVENT,
      actorId: leaver,
      organizationId: ADMIN_ORG,
      reason: "organizationMembership.deleted: 1 session(s) revoked",
    });
    await poll(async () => !(await enabledOf(leaverHere)), 15_000, "the leaver's preference off");
    expect(await enabledOf(leaverElsewhere)).toBe(true);
    expect(await enabledOf(stayerHere)).toBe(true);
    expect(await enabledOf(team)).toBe(true);

    const marker = `membership-${randomBytes(4).toString("hex")}`;
    await record({
      type: "alert.raised",
      severity: "high",
      reason: `Something to look at: ${marker} (alert m1, rule test)`,
    });
    await smtp.waitFor((mail) => mail.to.includes(team) && mail.raw.includes(marker));
    await smtp.waitFor((mail) => mail.to.includes(stayerHere) && mail.raw.includes(marker));
    const notification = await em().findOneOrFail(Notification, { body: { $like: `%${marker}%` } });
    const destinations = (await em().find(Delivery, { notificationId: notification.id })).map(
      (delivery) => delivery.destination,
    );
    expect(destinations.sort()).toEqual([stayerHere, team].sort());
    expect(smtp.mails.some((mail) => mail.to.includes(leaverHere))).toBe(false);
  });

  it("disables the preferences of a deleted user in every organization, once however often the event is read", async () => {
    const deleted = `user_deleted_${randomBytes(3).toString("hex")}`;
    const here = await emailPreference(ADMIN_ORG, deleted);
    const elsewhere = await emailPreference(OTHER_ORG, deleted);
    const team = await emailPreference(OTHER_ORG, ORGANIZATION_RECIPIENT);
    for (let i = 0; i < 2; i += 1) {
      await record({
        type: MEMBERSHIP_ENDED_EVENT,
        actorId: deleted,
        organizationId: null,
        reason: "user.deleted: 0 session(s) revoked",
      });
    }
    await poll(
      async () => !(await enabledOf(here)) && !(await enabledOf(elsewhere)),
      15_000,
      "the deleted user's preferences off",
    );
    expect(await enabledOf(team)).toBe(true);
  });
});
