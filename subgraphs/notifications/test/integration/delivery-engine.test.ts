import { randomBytes, randomUUID } from "node:crypto";
import { createLogger, SecretBox } from "@rampart/kit";
import { openDatabase, type Database } from "@rampart/kit/stores";
import { dropSchema, freePort, testServices, uniqueName } from "@rampart/kit/testing";
import { parseNotificationsConfig } from "../../src/config";
import { migrations } from "../../src/migrations";
import { DeliveryEngine } from "../../src/modules/delivery/delivery.engine";
import { Delivery, DeliveryStatus } from "../../src/modules/delivery/delivery.entity";
import { createDeliveries, type DeliveryTarget } from "../../src/modules/delivery/delivery.service";
import { DeliveryWorker } from "../../src/modules/delivery/delivery.worker";
import { AddressGuard, createProviders } from "../../src/modules/delivery/providers";
import { postRequest } from "../../src/modules/delivery/providers/http-client";
import {
  Notification,
  NotificationChannel,
} from "../../src/modules/notifications/notification.entity";
import { ChannelPreference } from "../../src/modules/preferences/channel-preference.entity";
import { sealWebhookSecret } from "../../src/modules/preferences/webhook-secret";
import { poll, startHttpPeer, startSmtpPeer, type HttpPeer, type SmtpPeer } from "../support/peers";

const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const twilio = { accountSid: "AC0123456789abcdef0123456789abcdef", authToken: "test-twilio-token" };
const smtpCredentials = { user: "rampart", pass: "smtp-test-password" };
const secretBox = new SecretBox(randomBytes(32));

let database: Database;
let engine: DeliveryEngine;
let smtp: SmtpPeer;
let peer: HttpPeer;
let schema: string;
let closedPort: number;

beforeAll(async () => {
  smtp = await startSmtpPeer(smtpCredentials);
  peer = await startHttpPeer({ webhookSecret, twilio });
  closedPort = await freePort();
  const config = parseNotificationsConfig({
    SMTP_URL: smtp.url,
    SMTP_USER: smtpCredentials.user,
    SMTP_PASSWORD: smtpCredentials.pass,
    SMTP_REQUIRE_TLS: "false",
    SMTP_FROM: "alerts@rampart.test",
    TWILIO_API_URL: peer.url,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: "+15550000000",
    DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
    DELIVERY_MAX_ATTEMPTS: "3",
    DELIVERY_RETRY_DELAY_SECONDS: "1",
    DELIVERY_RETRY_DELAY_MAX_SECONDS: "2",
    DELIVERY_JOB_TIMEOUT_SECONDS: "10",
    DELIVERY_PROVIDER_TIMEOUT_MS: "700",
    DELIVERY_POLL_INTERVAL_MS: "500",
  });
  schema = uniqueName("notifications");
  database = await openDatabase({
    schema,
    entities: [Notification, Delivery, ChannelPreference],
    migrations,
    databaseUrl: testServices().databaseUrl,
    pgliteDataDir: "memory://",
  });
  const logger = createLogger({ service: "notifications", level: "silent" });
  const em = database.orm.em.fork();
  engine = await DeliveryEngine.start({
    em,
    config,
    handlers: new DeliveryWorker(em, createProviders(config), logger, { secretBox }),
    logger,
  });
});

afterAll(async () => {
  await engine?.stop();
  await database?.close();
  const { databaseUrl } = testServices();
  if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
  await smtp?.close();
  await peer?.close();
});

/**
 * Creates a notification with deliveries to `targets`, as the dispatcher does; each webhook is
 * an organization's channel preference whose signing secret is the one the peer verifies.
 */
async function dispatch(...targets: DeliveryTarget[]): Promise<string[]> {
  return database.orm.em.fork().transactional(async (tx) => {
    const routed = targets.map((target) => {
      if (target.channel !== NotificationChannel.WEBHOOK) return target;
      const preference = tx.create(ChannelPreference, {
        id: randomUUID(),
        organizationId: "org_rampart_admin",
        recipientId: randomUUID(),
        channel: NotificationChannel.WEBHOOK,
        destination: target.destination,
        minSeverity: "critical",
        enabled: true,
        signingSecretVersion: 0,
        updatedAt: new Date(),
      });
      preference.signingSecretSealed = sealWebhookSecret(secretBox, preference.id, webhookSecret);
      return { ...target, preferenceId: preference.id };
    });
    const notification = tx.create(Notification, {
      id: `ntf_${randomUUID()}`,
      userId: null,
      organizationId: "org_rampart_admin",
      channel: NotificationChannel.IN_APP,
      title: "Security alert (critical)",
      body: "More than 5 IP violations in an hour",
      severity: "critical",
      readAt: null,
      archivedAt: null,
      createdAt: new Date(),
      sourceEventId: null,
    });
    const deliveries = await createDeliveries(tx, engine, notification, routed);
    return deliveries.map((delivery) => delivery.id);
  });
}

const read = (id: string) => database.orm.em.fork().findOneOrFail(Delivery, id);

const settled = (id: string, ...statuses: DeliveryStatus[]) =>
  poll(
    async () => {
      const delivery = await read(id);
      return statuses.includes(delivery.status) ? delivery : null;
    },
    30_000,
    `delivery ${id} to become ${statuses.join(" or ")}`,
  );

describe("durable delivery", () => {
  it("sends an email through SMTP with the delivery id as its Message-ID", async () => {
    const [id] = await dispatch({
      channel: NotificationChannel.EMAIL,
      destination: "oncall@rampart.test",
    });
    const delivery = await settled(id, DeliveryStatus.SENT);
    const mail = await smtp.waitFor((m) => m.raw.includes(id));
    expect(mail.to).toEqual(["oncall@rampart.test"]);
    expect(mail.raw).toContain("Subject: Security alert (critical)");
    expect(mail.raw).toContain(`Message-ID: <${id}@rampart>`);
    expect(delivery).toMatchObject({
      attempts: 1,
      providerMessageId: `<${id}@rampart>`,
      lastError: null,
    });
    expect(delivery.sentAt).toBeInstanceOf(Date);
  });

  it("sends an SMS through Twilio's Messages API with basic auth and an idempotency token", async () => {
    const [id] = await dispatch({ channel: NotificationChannel.SMS, destination: "+15551234567" });
    const delivery = await settled(id, DeliveryStatus.SENT);
    const request = peer.requests.find((r) => r.headers["i-twilio-idempotency-token"] === id);
    expect(request?.path).toBe(`/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`);
    const form = new URLSearchParams(request?.body);
    expect(form.get("To")).toBe("+15551234567");
    expect(form.get("From")).toBe("+15550000000");
    expect(form.get("Body")).toContain("More than 5 IP violations");
    expect(delivery.providerMessageId).toMatch(/^SM\d{32}$/);
  });

  it("posts to a Slack incoming webhook", async () => {
    const [id] = await dispatch({
      channel: NotificationChannel.SLACK,
      destination: `${peer.url}/slack/T000/B000/XXXX`,
    });
    await settled(id, DeliveryStatus.SENT);
    const request = peer.requests.find((r) => r.headers["idempotency-key"] === id);
    expect(JSON.parse(request?.body ?? "{}")).toEqual({
      text: "*[CRITICAL] Security alert (critical)*\nMore than 5 IP violations in an hour",
    });
  });

  it("signs webhooks per Standard Webhooks; the receiver verifies them", async () => {
    const [id] = await dispatch({
      channel: NotificationChannel.WEBHOOK,
      destination: `${peer.url}/webhook/signed`,
    });
    const delivery = await settled(id, DeliveryStatus.SENT);
    expect(peer.processedWebhooks).toContain(id);
    expect(delivery.providerMessageId).toBe(id);
  });

  it("queues jobs in the transaction of their rows: a rolled-back notification sends nothing", async () => {
    let queuedId = "";
    await expect(
      database.orm.em.fork().transactional(async (tx) => {
        const notification = tx.create(Notification, {
          id: `ntf_${randomUUID()}`,
          userId: null,
          organizationId: "org_rampart_admin",
          channel: NotificationChannel.IN_APP,
          title: "never committed",
          body: "rolled back",
          severity: "critical",
          readAt: null,
          archivedAt: null,
          createdAt: new Date(),
          sourceEventId: null,
        });
        const [delivery] = await createDeliveries(tx, engine, notification, [
          { channel: NotificationChannel.WEBHOOK, destination: `${peer.url}/webhook/rolled-back` },
        ]);
        queuedId = delivery.id;
        throw new Error("the change that caused it failed");
      }),
    ).rejects.toThrow("the change that caused it failed");
    expect(queuedId).not.toBe("");
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await database.orm.em.fork().findOne(Delivery, queuedId)).toBeNull();
    // pg-boss keeps its jobs in the subgraph's schema; the job id is the delivery id.
    const jobs = await database.orm.em
      .getConnection()
      .execute<{ count: string }[]>("select count(*) as count from job where id = ?", [queuedId]);
    expect(Number(jobs[0].count)).toBe(0);
    expect(peer.requests.filter((r) => r.path === "/webhook/rolled-back")).toEqual([]);
  });

  it("retries a 5xx with backoff, then succeeds", async () => {
    peer.script("/webhook/flaky", { status: 503 });
    const [id] = await dispatch({
      channel: NotificationChannel.WEBHOOK,
      destination: `${peer.url}/webhook/flaky`,
    });
    const delivery = await settled(id, DeliveryStatus.SENT);
    expect(delivery.attempts).toBe(2);
    expect(peer.requests.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(2);
  });

  it("does not retry a 4xx: the delivery is failed", async () => {
    peer.script("/webhook/refusing", { status: 422 });
    const [id] = await dispatch({
      channel: NotificationChannel.WEBHOOK,
      destination: `${peer.url}/webhook/refusing`,
    });
    const delivery = await settled(id, DeliveryStatus.FAILED);
    expect(delivery.lastError).toBe("webhook answered HTTP 422");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await read(id)).toMatchObject({ status: DeliveryStatus.FAILED, attempts: 1 });
    expect(peer.requests.filter((r) => r.headers["webhook-id"] === id)).toHaveLength(1);
  });

  it("retries after a timeout", async () => {
    peer.script("/webhook/slow", { status: 200, delayMs: 2000 });
    const [id] = await dispatch({
      channel: NotificationChannel.WEBHOOK,
      destination: `${peer.url}/webhook/slow`,
    });
    const delivery = await settled(id, DeliveryStatus.SENT);
    expect(delivery.attempts).toBe(2);
  });

  it("retries a refused connection until no attempt is left, then the delivery is dead", async () => {
    const [id] = await dispatch({
      channel: NotificationChannel.WEBHOOK,
      destination: `http://127.0.0.1:${closedPort}/webhook/nobody`,
    });
    const delivery = await settled(id, DeliveryStatus.DEAD);
    expect(delivery.attempts).toBe(3);
    expect(delivery.lastError).toBe("webhook: ECONNREFUSED");
  });

  it("refuses private destinations outside the allowlist given as IP literals, IPv4 and IPv6", async () => {
    const before = peer.requests.length;
    const ids = await dispatch(
      {
        channel: NotificationChannel.WEBHOOK,
        destination: `http://127.0.0.2:${peer.port}/webhook/ssrf`,
      },
      { channel: NotificationChannel.SLACK, destination: `http://[::1]:${peer.port}/slack/ssrf` },
      {
        channel: NotificationChannel.SLACK,
        destination: "http://169.254.169.254/latest/meta-data",
      },
      { channel: NotificationChannel.WEBHOOK, destination: "http://[::ffff:10.0.0.1]/hook" },
    );
    for (const id of ids) {
      const delivery = await settled(id, DeliveryStatus.FAILED);
      expect(delivery.attempts).toBe(1);
      expect(delivery.lastError).toMatch(/private, loopback, link-local or metadata address/);
    }
    expect(peer.requests.length).toBe(before);
  });

  it("refuses a DNS name that resolves to a refused address, before connecting", async () => {
    const before = peer.requests.length;
    const guard = new AddressGuard([]);
    await expect(
      postRequest(`http://localhost:${peer.port}/webhook/ssrf`, "{}", {
        headers: {},
        timeoutMs: 1000,
        guard,
        provider: "webhook",
      }),
    ).rejects.toMatchObject({
      permanent: true,
      message: expect.stringMatching(/^destination localhost resolves to 127\.0\.0\.1/),
    });
    // The same name passes once allowlisted.
    const allowed = await postRequest(`http://localhost:${peer.port}/slack/allowed`, "{}", {
      headers: {},
      timeoutMs: 1000,
      guard: new AddressGuard(["127.0.0.1/32"]),
      provider: "Slack",
    });
    expect(allowed.status).toBe(200);
    expect(peer.requests.length).toBe(before + 1);
  });
});
