import { randomBytes, randomUUID } from "node:crypto";
import { SECURITY_EVENT_STREAM, SecurityLevel, type SecurityEvent } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { notificationsSubgraph } from "../../src/subgraph";
import { poll, startHttpPeer, startSmtpPeer, type HttpPeer, type SmtpPeer } from "../support/peers";

const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const twilio = { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "test-twilio-token" };

let subgraph: TestSubgraph;
let smtp: SmtpPeer;
let peer: HttpPeer;

beforeAll(async () => {
  smtp = await startSmtpPeer();
  peer = await startHttpPeer({ webhookSecret, twilio });
  subgraph = await startTestSubgraph(notificationsSubgraph, {
    environment: {
      SMTP_URL: smtp.url,
      SMTP_REQUIRE_TLS: "false",
      TWILIO_API_URL: peer.url,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: "+15550000000",
      ALERT_EMAIL_TO: "oncall@rampart.test",
      ALERT_SMS_TO: "+15551234567",
      ALERT_SLACK_WEBHOOK_URL: `${peer.url}/slack/T000/B000/secretpath`,
      ALERT_WEBHOOK_URL: `${peer.url}/webhook/alerts`,
      ALERT_WEBHOOK_SECRET: webhookSecret,
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      DELIVERY_POLL_INTERVAL_MS: "500",
    },
  });
});

afterAll(async () => {
  await subgraph?.stop();
  await smtp?.close();
  await peer?.close();
});

/** A superadmin (admin of the development superadmin organization) with a verified second factor. */
const superadmin = testIdentity({
  userId: "user_demo_alice",
  organizationId: "org_rampart_admin",
  role: "org:admin",
  securityLevel: SecurityLevel.SecondFactor,
});

const record = (
  event: Partial<SecurityEvent> & Pick<SecurityEvent, "type" | "severity" | "reason">,
) =>
  subgraph.runtime.securityEvents.record({
    actorId: null,
    organizationId: null,
    ip: null,
    requestId: null,
    ...event,
  });

interface ReadNotification {
  id: string;
  title: string;
  body: string;
  severity: string;
  userId: string | null;
  deliveries: {
    channel: string;
    destination: string;
    status: string;
    attempts: number;
    providerMessageId: string | null;
    sentAt: string | null;
  }[];
}

const organizationNotifications = async (identity = superadmin) => {
  const { body } = await subgraph.query(
    `{ organizationNotifications(first: 50) { id title body severity userId deliveries { channel destination status attempts providerMessageId sentAt } } }`,
    { identity },
  );
  return body;
};

const notificationTitled = (title: string) =>
  poll(
    async () => {
      const body = await organizationNotifications();
      const list = (body.data?.organizationNotifications ?? []) as ReadNotification[];
      return list.find((n) => n.title === title && n.deliveries.every((d) => d.status === "SENT"));
    },
    30_000,
    `a sent notification titled ${title}`,
  );

describe("security alert dispatch", () => {
  it("sends a high alert to every alert channel and records each delivery as sent, destinations masked", async () => {
    await record({
      type: "alert.raised",
      severity: "high",
      reason: "More than 5 IP violations in an hour (alert a1, rule ip-violations)",
    });
    const mail = await smtp.waitFor((m) => m.raw.includes("IP violations"));
    expect(mail.to).toEqual(["oncall@rampart.test"]);
    expect(mail.raw).toContain("Subject: Security alert (high)");

    const notification = await notificationTitled("Security alert (high)");
    expect(notification.userId).toBeNull();
    expect(notification.severity).toBe("high");
    const byChannel = Object.fromEntries(notification.deliveries.map((d) => [d.channel, d]));
    expect(Object.keys(byChannel).sort()).toEqual(["EMAIL", "SLACK", "SMS", "WEBHOOK"]);
    expect(byChannel.EMAIL.destination).toBe("o***@rampart.test");
    expect(byChannel.SMS.destination).toBe("***4567");
    expect(byChannel.SLACK.destination).toBe(`${peer.url}/***`);
    expect(byChannel.WEBHOOK.destination).toBe(`${peer.url}/***`);
    expect(byChannel.SMS.providerMessageId).toMatch(/^SM/);
    for (const delivery of notification.deliveries) {
      expect(delivery).toMatchObject({ status: "SENT", attempts: 1 });
      expect(delivery.sentAt).not.toBeNull();
    }
    expect(JSON.stringify(notification)).not.toContain("secretpath");
  });

  it("dispatches lockdown switches, once (not again for the lockdown rule's alert)", async () => {
    await record({
      type: "lockdown.activated",
      severity: "critical",
      reason: "Emergency lockdown activated: incident 42",
      actorId: "user_demo_alice",
    });
    await record({
      type: "alert.raised",
      severity: "critical",
      reason: "Emergency lockdown switched (alert a2, rule lockdown-change)",
    });
    const notification = await notificationTitled("Emergency lockdown activated");
    expect(notification.body).toContain("incident 42");
    expect(notification.severity).toBe("critical");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const titles = (
      (await organizationNotifications()).data?.organizationNotifications as ReadNotification[]
    ).map((n) => n.body);
    expect(titles.filter((body) => body.includes("rule lockdown-change"))).toEqual([]);
  });

  it("ignores alerts below the configured severity, and dispatches a re-delivered event once", async () => {
    await record({
      type: "alert.raised",
      severity: "medium",
      reason: "A medium alert (alert a3, rule x)",
    });
    const event: SecurityEvent = {
      id: randomUUID(),
      type: "alert.raised",
      severity: "critical",
      actorId: null,
      organizationId: null,
      ip: null,
      reason: "Audit chain verification failed (alert a4, rule audit-chain-failure)",
      requestId: null,
      occurredAt: new Date().toISOString(),
    };
    // The same event twice on the stream, as after a producer's retry.
    for (let i = 0; i < 2; i += 1) {
      await subgraph.runtime.stores.events.append(SECURITY_EVENT_STREAM, {
        event: JSON.stringify(event),
      });
    }
    await notificationTitled("Security alert (critical)");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const list = (await organizationNotifications()).data
      ?.organizationNotifications as ReadNotification[];
    expect(list.filter((n) => n.body.includes("Audit chain"))).toHaveLength(1);
    expect(list.filter((n) => n.body.includes("A medium alert"))).toEqual([]);
  });

  it("shows organization notifications to its admins with a second factor only", async () => {
    const member = await organizationNotifications({ ...superadmin, role: "org:member" });
    expect(member.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const withoutSecondFactor = await organizationNotifications({
      ...superadmin,
      securityLevel: SecurityLevel.SignedIn,
    });
    expect(withoutSecondFactor.errors?.[0]?.extensions?.code).toBe("STEP_UP_REQUIRED");
    const otherOrganization = await organizationNotifications({
      ...superadmin,
      organizationId: "org_demo_acme",
    });
    expect(otherOrganization.data).toEqual({ organizationNotifications: [] });
    const anonymous = await subgraph.query(`{ organizationNotifications { id } }`);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  const stepUp = { ...superadmin, securityLevel: SecurityLevel.StepUp };
  const setPreference = (mutation: string, args: string, identity = stepUp) =>
    subgraph.query(
      `mutation { ${mutation}(${args}) { id channel destination minSeverity enabled organizationWide signingSecret } }`,
      { identity },
    );

  it("validates channel preferences and keeps them to organization admins", async () => {
    const member = await setPreference(
      "setMyChannelPreference",
      'channel: EMAIL, destination: "me@rampart.test"',
      { ...stepUp, role: "org:member" },
    );
    expect(member.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const notRecent = await setPreference(
      "setOrganizationChannelPreference",
      `channel: WEBHOOK, destination: "${peer.url}/webhook/org"`,
      superadmin,
    );
    expect(notRecent.body.errors?.[0]?.extensions?.code).toBe("STEP_UP_REQUIRED");
    for (const args of [
      'channel: EMAIL, destination: "not-an-address"',
      'channel: SMS, destination: "5551234"',
      'channel: SLACK, destination: "ftp://hooks.example.com/x"',
      'channel: IN_APP, destination: "anything"',
      'channel: EMAIL, destination: "me@rampart.test", minSeverity: "urgent"',
    ]) {
      const { body, status } = await setPreference("setMyChannelPreference", args);
      expect({ args, code: body.errors?.[0]?.extensions?.code, status }).toEqual({
        args,
        code: "BAD_USER_INPUT",
        status: 200,
      });
    }
  });

  it("sends alerts to the organization's and its admins' own channel preferences too", async () => {
    const personal = await setPreference(
      "setMyChannelPreference",
      'channel: EMAIL, destination: "alice.pager@rampart.test", minSeverity: "critical"',
    );
    expect(personal.body.data?.setMyChannelPreference).toMatchObject({
      channel: "EMAIL",
      destination: "a***@rampart.test",
      minSeverity: "critical",
      enabled: true,
      organizationWide: false,
    });
    const shared = await setPreference(
      "setOrganizationChannelPreference",
      `channel: WEBHOOK, destination: "${peer.url}/webhook/organization", minSeverity: "high"`,
    );
    expect(shared.body.data?.setOrganizationChannelPreference).toMatchObject({
      organizationWide: true,
      destination: `${peer.url}/***`,
      signingSecret: expect.stringMatching(/^whsec_/),
    });
    // The receiver at that destination verifies with the secret it was given, not the alert one.
    peer.webhookSecrets.set(
      "/webhook/organization",
      (shared.body.data?.setOrganizationChannelPreference as { signingSecret: string })
        .signingSecret,
    );
    const listed = await subgraph.query(
      "{ myChannelPreferences { channel } organizationChannelPreferences { channel } }",
      { identity: superadmin },
    );
    expect(listed.body.data).toEqual({
      myChannelPreferences: [{ channel: "EMAIL" }],
      organizationChannelPreferences: [{ channel: "WEBHOOK" }],
    });

    await record({
      type: "alert.raised",
      severity: "high",
      reason: "More than 10 failed logins in an hour (alert a5, rule failed-logins)",
    });
    const notification = await poll(
      async () => {
        const list = ((await organizationNotifications()).data?.organizationNotifications ??
          []) as ReadNotification[];
        return list.find(
          (n) => n.body.includes("failed logins") && n.deliveries.every((d) => d.status === "SENT"),
        );
      },
      30_000,
      "the failed-logins alert sent",
    );
    // A high alert: the shared webhook (high and above) gets it, the personal email (critical) not.
    const destinations = notification.deliveries.map((d) => `${d.channel} ${d.destination}`);
    expect(destinations.filter((d) => d.startsWith("WEBHOOK"))).toHaveLength(2);
    expect(destinations).not.toContain("EMAIL a***@rampart.test");
    expect(peer.requests.some((r) => r.path === "/webhook/organization")).toBe(true);
  });
});
