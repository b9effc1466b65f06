import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { postGraphQL, testServices } from "@rampart/kit/testing";
import {
  poll,
  startCarrierPeer,
  type CarrierPeer,
} from "../../../subgraphs/fulfillment/test/support/carrier-peer";
import { startPlatform, type TestPlatform } from "../support/platform";
import { signInSuperadmin } from "../support/superadmin";

jest.setTimeout(240_000);

/**
 * One shipment's customer told by email, through the whole platform: `requestShipment` with an
 * email contact (gateway → fulfillment) → the carrier (a real local HTTP peer) creates it → the
 * carrier's signed webhook says DELIVERED → fulfillment's notify step hands a customer notice to
 * the customer-notice stream → the notifications subgraph's consumer makes a notification and its
 * delivery job → SMTP (a real local server) receives the mail → the shipment, read through the
 * gateway, shows the step QUEUED and the delivery SENT. Runs on PostgreSQL + Redis and on the
 * embedded defaults (PGlite, shared in-memory stores between the subgraph processes).
 */
const services = testServices();
const setups = [services, ...(services.databaseUrl || services.redisUrl ? [{}] : [])].map(
  (setup) => ({
    setup,
    name: `${setup.databaseUrl ? "PostgreSQL" : "PGlite"} and ${setup.redisUrl ? "Redis" : "shared in-memory stores"}`,
  }),
);

const apiKey = `carrier-key-${randomBytes(12).toString("hex")}`;
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;

describe.each(setups)("a shipment's customer told by email on $name", ({ setup }) => {
  const mails: { to: string[]; raw: string }[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        mails.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  let carrier: CarrierPeer;
  let platform: TestPlatform;

  beforeAll(async () => {
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    carrier = await startCarrierPeer(apiKey);
    platform = await startPlatform(setup, {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      SMTP_REQUIRE_TLS: "false",
      DELIVERY_POLL_INTERVAL_MS: "500",
      FULFILLMENT_CARRIER_URL: carrier.url,
      FULFILLMENT_CARRIER_API_KEY: apiKey,
      FULFILLMENT_CARRIER_NAME: "Test Carrier",
      FULFILLMENT_CARRIER_WEBHOOK_SECRET: webhookSecret,
      FULFILLMENT_POLL_INTERVAL_MS: "500",
    });
  });
  afterAll(async () => {
    await platform?.stop();
    await carrier?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it("emails the customer when the carrier reports the shipment delivered, and shows the delivery SENT", async () => {
    const started = Date.now();
    const token = await signInSuperadmin(platform, `user_admin_${randomBytes(3).toString("hex")}`);
    const as = async (query: string, variables?: Record<string, unknown>) => {
      const { body } = await postGraphQL(platform.adminUrl, query, {
        variables,
        headers: { authorization: `Bearer ${token}` },
      });
      if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
      return body.data as Record<string, Record<string, unknown>>;
    };
    const customer = `pat.${randomBytes(3).toString("hex")}@customer.test`;
    const { requestShipment } = await as(
      `mutation($contact: CustomerContactInput) {
        requestShipment(orderId: "ord_e2e_1", provider: CARRIER, customerContact: $contact) {
          id customerContact { email phone }
        }
      }`,
      { contact: { email: customer } },
    );
    const shipmentId = requestShipment.id as string;
    expect(requestShipment.customerContact).toEqual({
      email: `${customer[0]}***@customer.test`,
      phone: null,
    });

    // The carrier created it; the customer hears the label is created.
    const created = await poll(() => carrier.created.get(shipmentId), 60_000, "the carrier");
    await poll(
      () => mails.find((m) => m.to.includes(customer) && m.raw.includes("prepared for shipping")),
      60_000,
      "the label-created email",
    );

    const update = carrier.signedUpdate(webhookSecret, created.id, "DELIVERED");
    const webhook = await fetch(new URL("/webhooks/carrier", platform.subgraphUrls.fulfillment), {
      method: "POST",
      headers: update.headers,
      body: update.body,
    });
    expect(webhook.status).toBeLessThan(300);
    const mail = await poll(
      () => mails.find((m) => m.to.includes(customer) && m.raw.includes("has been delivered")),
      60_000,
      "the delivered email",
    );
    expect(mail.raw).toContain("Subject: Your order ord_e2e_1 has been delivered");
    expect(mail.raw).toContain(created.trackingNumber);
    process.stdout.write(`requestShipment → delivered email: ${Date.now() - started} ms\n`);

    interface ReadShipment {
      status: string;
      history: { step: string; outcome: string; status: string | null; detail: string | null }[];
      customerNotifications: {
        title: string;
        deliveries: { channel: string; destination: string; status: string }[];
      }[];
    }
    const shipment = await poll(
      async () => {
        const data = await as(
          `query($id: ID!) {
            shipment(id: $id) {
              status
              history { step outcome status detail }
              customerNotifications { title deliveries { channel destination status } }
            }
          }`,
          { id: shipmentId },
        );
        const read = data.shipment as unknown as ReadShipment;
        const sent = read.customerNotifications.flatMap((n) => n.deliveries);
        return sent.length === 2 && sent.every((d) => d.status === "SENT") ? read : null;
      },
      60_000,
      "both customer deliveries SENT",
    );
    expect(shipment.status).toBe("DELIVERED");
    const notified = shipment.history.filter((entry) => entry.step === "NOTIFY_CUSTOMER");
    expect(notified.map(({ outcome, status }) => ({ outcome, status }))).toEqual([
      { outcome: "QUEUED", status: "LABEL_CREATED" },
      { outcome: "QUEUED", status: "DELIVERED" },
    ]);
    for (const entry of notified)
      expect(entry.detail).toMatch(/^handed to notifications as notice /);
    expect(shipment.customerNotifications.map((n) => n.title)).toEqual([
      "Your order ord_e2e_1 is being prepared for shipping",
      "Your order ord_e2e_1 has been delivered",
    ]);
    for (const notification of shipment.customerNotifications) {
      expect(notification.deliveries).toEqual([
        { channel: "EMAIL", destination: `${customer[0]}***@customer.test`, status: "SENT" },
      ]);
    }
    // The customer's address is told to nobody but the SMTP server.
    expect(JSON.stringify(shipment)).not.toContain(customer);
    const listed = await as("{ organizationNotifications(first: 100) { title } }");
    expect(JSON.stringify(listed)).not.toContain("Your order");
  });
});
