import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import express from "express";
import {
  createLogger,
  createRefusalSink,
  CUSTOMER_NOTICE_STREAM,
  parseCustomerNotice,
  refusalRepeatsIn,
  type CustomerContact,
  type SecurityEventInput,
} from "@rampart/kit";
import { JobEngine } from "@rampart/kit/subgraph";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import { parseFulfillmentConfig } from "../../src/config";
import {
  ShipmentEvent,
  ShipmentStep,
  ShipmentStepOutcome,
  ShipmentStepSource,
} from "../../src/modules/shipments/shipment-event.entity";
import { Shipment } from "../../src/modules/shipments/shipment.entity";
import {
  FulfillmentProviderKind,
  ShipmentStatus,
} from "../../src/modules/shipments/shipment-status";
import {
  FULFILLMENT_QUEUE,
  fulfillmentPolicyOf,
  type FulfillmentJob,
} from "../../src/modules/tasks/fulfillment.engine";
import { applyStatusUpdate, requestShipment } from "../../src/modules/tasks/task.service";
import { CARRIER_WEBHOOK_PATH, carrierWebhook } from "../../src/modules/webhooks/carrier-webhook";
import { fulfillmentSubgraph } from "../../src/subgraph";
import { poll, startCarrierPeer, type CarrierPeer } from "../support/carrier-peer";

const apiKey = `carrier-key-${randomBytes(12).toString("hex")}`;
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const environment = {
  FULFILLMENT_CARRIER_API_KEY: apiKey,
  FULFILLMENT_CARRIER_NAME: "Test Carrier",
  FULFILLMENT_CARRIER_WEBHOOK_SECRET: webhookSecret,
  FULFILLMENT_MAX_ATTEMPTS: "3",
  FULFILLMENT_RETRY_DELAY_SECONDS: "1",
  FULFILLMENT_RETRY_DELAY_MAX_SECONDS: "2",
  FULFILLMENT_JOB_TIMEOUT_SECONDS: "10",
  FULFILLMENT_PROVIDER_TIMEOUT_MS: "2000",
  FULFILLMENT_POLL_INTERVAL_MS: "500",
};

let carrier: CarrierPeer;
let subgraph: TestSubgraph;
/** Enqueues only: the subgraph's own worker works the jobs. */
let jobs: JobEngine<FulfillmentJob>;

beforeAll(async () => {
  carrier = await startCarrierPeer(apiKey);
  subgraph = await startTestSubgraph(fulfillmentSubgraph, {
    environment: { ...environment, FULFILLMENT_CARRIER_URL: carrier.url },
  });
  jobs = await JobEngine.start<FulfillmentJob>({
    em: subgraph.database.orm.em.fork(),
    queue: FULFILLMENT_QUEUE,
    policy: fulfillmentPolicyOf(parseFulfillmentConfig(environment)),
    handlers: { run: async () => undefined, bury: async () => undefined },
    logger: createLogger({ service: "fulfillment-test", level: "silent" }),
    work: false,
  });
}, 60_000);

afterAll(async () => {
  await jobs?.stop();
  await subgraph?.stop();
  await carrier?.close();
});

const acme = "org_demo_acme";
const em = () => subgraph.database.orm.em.fork();

const request = (
  provider: FulfillmentProviderKind,
  orderId = "ord_acme_1001",
  contact?: CustomerContact,
) =>
  em().transactional((tx) =>
    requestShipment(tx, jobs, { orderId, organizationId: acme, provider, contact }),
  );

/** The customer notices on the stream, parsed. */
const notices = async () =>
  (await subgraph.runtime.stores.events.read(CUSTOMER_NOTICE_STREAM, { count: 10_000 })).map(
    (entry) => parseCustomerNotice(entry.fields),
  );

const settled = (id: string, ...statuses: ShipmentStatus[]) =>
  poll(
    async () => {
      const shipment = await em().findOneOrFail(Shipment, id);
      return statuses.includes(shipment.status) ? shipment : null;
    },
    30_000,
    `shipment ${id} to become ${statuses.join(" or ")}`,
  );

const historyOf = async (id: string) =>
  (
    await em().find(
      ShipmentEvent,
      { shipmentId: id },
      { orderBy: { occurredAt: "asc", id: "asc" } },
    )
  ).map(({ step, outcome, status }) => ({ step, outcome, status }));

const postWebhook = (body: string, headers: Record<string, string>) =>
  fetch(new URL(CARRIER_WEBHOOK_PATH, subgraph.url), { method: "POST", headers, body });

describe("fulfillment tasks", () => {
  it("retries a carrier that answers 5xx, then creates the shipment once with its id as idempotency key", async () => {
    carrier.script("ord_retried", 503, 502);
    const pending = await request(FulfillmentProviderKind.CARRIER, "ord_retried");
    const shipment = await settled(pending.id, ShipmentStatus.LABEL_CREATED, ShipmentStatus.FAILED);
    expect(shipment.status).toBe(ShipmentStatus.LABEL_CREATED);
    expect(shipment.carrier).toBe("Test Carrier");
    expect(shipment.trackingNumber).toMatch(/^TRK/);
    expect(shipment.attempts).toBe(3);
    const calls = carrier.calls.filter((call) => call.reference === pending.id);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.idempotencyKey).toBe(pending.id);
      expect(call.authorization).toBe(`Bearer ${apiKey}`);
    }
    await poll(async () => (await historyOf(pending.id)).length >= 5, 10_000, "notify step");
    expect(await historyOf(pending.id)).toEqual([
      { step: "REQUESTED", outcome: "APPLIED", status: "PENDING" },
      { step: "CREATE_AT_PROVIDER", outcome: "FAILED", status: null },
      { step: "CREATE_AT_PROVIDER", outcome: "FAILED", status: null },
      { step: "CREATE_AT_PROVIDER", outcome: "APPLIED", status: "LABEL_CREATED" },
      { step: "NOTIFY_CUSTOMER", outcome: "SKIPPED", status: "LABEL_CREATED" },
    ]);
    // No customer contact: nobody is told, and no notice says otherwise.
    expect((await notices()).filter((notice) => notice.shipmentId === pending.id)).toEqual([]);
  }, 40_000);

  it("fails a shipment the carrier refuses with 4xx, without retrying", async () => {
    carrier.script("ord_refused", 422);
    const pending = await request(FulfillmentProviderKind.CARRIER, "ord_refused");
    const shipment = await settled(pending.id, ShipmentStatus.FAILED, ShipmentStatus.LABEL_CREATED);
    expect(shipment.status).toBe(ShipmentStatus.FAILED);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // longer than a retry delay
    expect(carrier.calls.filter((call) => call.reference === pending.id)).toHaveLength(1);
    expect((await em().findOneOrFail(Shipment, pending.id)).attempts).toBe(1);
    expect(await historyOf(pending.id)).toEqual([
      { step: "REQUESTED", outcome: "APPLIED", status: "PENDING" },
      { step: "CREATE_AT_PROVIDER", outcome: "FAILED", status: null },
      { step: "CREATE_AT_PROVIDER", outcome: "APPLIED", status: "FAILED" },
    ]);
  }, 30_000);

  it("marks an in-store pickup ready and hands the customer notice to notifications", async () => {
    const contact = { email: "pat@customer.test", phone: "+15557654321" };
    const pending = await request(FulfillmentProviderKind.PICKUP, "ord_acme_1001", contact);
    await settled(pending.id, ShipmentStatus.READY_FOR_PICKUP);
    await poll(async () => (await historyOf(pending.id)).length >= 3, 10_000, "notify step");
    expect(await historyOf(pending.id)).toEqual([
      { step: "REQUESTED", outcome: "APPLIED", status: "PENDING" },
      { step: "CREATE_AT_PROVIDER", outcome: "APPLIED", status: "READY_FOR_PICKUP" },
      { step: "NOTIFY_CUSTOMER", outcome: "QUEUED", status: "READY_FOR_PICKUP" },
    ]);
    const step = await em().findOneOrFail(ShipmentEvent, {
      shipmentId: pending.id,
      step: ShipmentStep.NOTIFY_CUSTOMER,
    });
    const handed = (await notices()).filter((notice) => notice.shipmentId === pending.id);
    // The notice's id is the notify job's id, which is also the history entry's.
    expect(handed).toEqual([
      expect.objectContaining({
        id: step.id,
        organizationId: acme,
        orderId: "ord_acme_1001",
        status: "READY_FOR_PICKUP",
        carrier: "in-store pickup",
        contact,
      }),
    ]);
    expect(step.detail).toBe(`handed to notifications as notice ${step.id}`);
  }, 30_000);

  it("schedules a local delivery without an external call", async () => {
    const pending = await request(FulfillmentProviderKind.LOCAL_DELIVERY);
    const shipment = await settled(pending.id, ShipmentStatus.LABEL_CREATED);
    expect(shipment.carrier).toBe("local delivery");
    expect(carrier.calls.some((call) => call.reference === pending.id)).toBe(false);
  }, 30_000);
});

describe("carrier webhook", () => {
  let shipment: Shipment;
  beforeAll(async () => {
    const pending = await request(FulfillmentProviderKind.CARRIER, "ord_acme_1002");
    shipment = await settled(pending.id, ShipmentStatus.LABEL_CREATED);
  }, 30_000);

  it("applies a signed update, records and ignores one out of order, and counts a redelivery once", async () => {
    const providerId = shipment.providerShipmentId as string;
    const delivered = carrier.signedUpdate(webhookSecret, providerId, "DELIVERED");
    const first = await postWebhook(delivered.body, delivered.headers);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ applied: true, status: "DELIVERED" });

    const late = carrier.signedUpdate(webhookSecret, providerId, "IN_TRANSIT");
    const second = await postWebhook(late.body, late.headers);
    expect(await second.json()).toEqual({ applied: false, status: "DELIVERED" });

    const again = await postWebhook(delivered.body, delivered.headers);
    expect(await again.json()).toEqual({ applied: false, status: "DELIVERED" });

    const stored = await em().findOneOrFail(Shipment, shipment.id);
    expect(stored.status).toBe(ShipmentStatus.DELIVERED);
    expect(stored.deliveredAt).not.toBeNull();
    const updates = (
      await em().find(ShipmentEvent, {
        shipmentId: shipment.id,
        step: ShipmentStep.STATUS_UPDATE,
      })
    ).map(({ outcome, status, source, detail }) => ({ outcome, status, source, detail }));
    expect(updates).toEqual(
      expect.arrayContaining([
        { outcome: "APPLIED", status: "DELIVERED", source: "CARRIER_WEBHOOK", detail: null },
        {
          outcome: "IGNORED",
          status: "IN_TRANSIT",
          source: "CARRIER_WEBHOOK",
          detail: "out of order: the shipment is DELIVERED",
        },
      ]),
    );
    expect(updates).toHaveLength(2);
  });

  it("refuses a bad or missing signature with a typed 401 and records it", async () => {
    const update = carrier.signedUpdate(webhookSecret, "car_x", "DELIVERED");
    const otherSecret = `whsec_${randomBytes(32).toString("base64")}`;
    const forged = carrier.signedUpdate(otherSecret, "car_x", "DELIVERED");
    const tampered = { ...update.headers };
    const missing = { "content-type": "application/json" };
    const stale = carrier.signedUpdate(
      webhookSecret,
      "car_x",
      "DELIVERED",
      new Date(Date.now() - 10 * 60_000),
    );
    for (const [name, body, headers] of [
      ["forged", forged.body, forged.headers],
      ["tampered body", update.body.replace("DELIVERED", "RETURNED"), tampered],
      ["missing", update.body, missing],
      ["stale timestamp (replay)", stale.body, stale.headers],
    ] as const) {
      const answer = await postWebhook(body, headers);
      const json = (await answer.json()) as { errors: { extensions: { code: string } }[] };
      expect({ name, status: answer.status, code: json.errors[0].extensions.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
    // Four refusals from one IP within the sink's window: the first is recorded at once, the
    // rest are counted (their count is recorded when the window ends or the subgraph stops).
    const signatureRefusals = async () =>
      (await subgraph.securityEvents()).filter(
        (event) => event.type === "fulfillment.webhook_signature_invalid",
      );
    const [first] = await poll(
      async () => {
        const recorded = await signatureRefusals();
        return recorded.length > 0 ? recorded : null;
      },
      10_000,
      "the recorded webhook refusal",
    );
    expect(first).toMatchObject({ ip: "127.0.0.1", severity: "medium" });
    expect(first.reason).toMatch(/^Carrier webhook refused: /);
    expect(first.reason).not.toContain(webhookSecret);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await signatureRefusals()).toHaveLength(1);
  });

  it("records a flood of refused calls as two events, the second counting the rest", async () => {
    const recorded: SecurityEventInput[] = [];
    const refusals = createRefusalSink({
      recorder: {
        record: async (event) => {
          recorded.push(event);
          return { id: randomUUID(), occurredAt: new Date().toISOString(), ...event };
        },
      },
      // Longer than any run of this test: the count is recorded by close(), as on shutdown.
      windowMs: 600_000,
    });
    const app = express();
    app.use(
      CARRIER_WEBHOOK_PATH,
      carrierWebhook({
        secret: webhookSecret,
        allowlist: [],
        em: subgraph.database.orm.em,
        jobs,
        refusals,
        logger: createLogger({ service: "fulfillment-test", level: "silent" }),
      }),
    );
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const forged = carrier.signedUpdate(
        `whsec_${randomBytes(32).toString("base64")}`,
        "car_x",
        "DELIVERED",
      );
      const statuses = await Promise.all(
        Array.from({ length: 200 }, async () => {
          const answer = await fetch(`http://127.0.0.1:${port}${CARRIER_WEBHOOK_PATH}`, {
            method: "POST",
            headers: forged.headers,
            body: forged.body,
          });
          await answer.arrayBuffer();
          return answer.status;
        }),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(recorded).toHaveLength(1);
      await refusals.close();
      expect(recorded).toHaveLength(2);
      expect(recorded[1]).toMatchObject({
        type: "fulfillment.webhook_signature_invalid",
        ip: "127.0.0.1",
      });
      expect(refusalRepeatsIn(recorded[1].reason)).toBe(199);
    } finally {
      server.close();
      await refusals.close();
    }
  });

  it("applies a redelivery racing its original once", async () => {
    const pending = await request(FulfillmentProviderKind.CARRIER, "ord_acme_redelivered");
    const created = await settled(pending.id, ShipmentStatus.LABEL_CREATED);
    const update = carrier.signedUpdate(
      webhookSecret,
      created.providerShipmentId as string,
      "IN_TRANSIT",
    );
    const answers = await Promise.all(
      [1, 2, 3].map(async () => {
        const answer = await postWebhook(update.body, update.headers);
        return { status: answer.status, body: (await answer.json()) as { applied: boolean } };
      }),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.filter((answer) => answer.body.applied)).toHaveLength(1);
    const updates = await em().find(ShipmentEvent, {
      shipmentId: pending.id,
      step: ShipmentStep.STATUS_UPDATE,
    });
    expect(updates).toHaveLength(1);
  }, 30_000);

  it("refuses a caller outside the allowlist with 403 and records it", async () => {
    const app = express();
    app.use(
      CARRIER_WEBHOOK_PATH,
      carrierWebhook({
        secret: webhookSecret,
        allowlist: ["203.0.113.0/24"],
        em: subgraph.database.orm.em,
        jobs,
        refusals: subgraph.runtime.refusals,
        logger: createLogger({ service: "fulfillment-test", level: "silent" }),
      }),
    );
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const update = carrier.signedUpdate(webhookSecret, "car_x", "DELIVERED");
      const answer = await fetch(`http://127.0.0.1:${port}${CARRIER_WEBHOOK_PATH}`, {
        method: "POST",
        headers: update.headers,
        body: update.body,
      });
      expect(answer.status).toBe(403);
      const json = (await answer.json()) as { errors: { extensions: { code: string } }[] };
      expect(json.errors[0].extensions.code).toBe("IP_NOT_ALLOWED");
      await poll(
        async () =>
          (await subgraph.securityEvents()).some(
            (event) => event.type === "fulfillment.webhook_ip_not_allowed",
          ),
        10_000,
        "the recorded IP refusal",
      );
    } finally {
      server.close();
    }
  });

  it("refuses a signed body that is not an update, and an unknown shipment", async () => {
    const unknown = carrier.signedUpdate(webhookSecret, "car_unknown", "DELIVERED");
    expect((await postWebhook(unknown.body, unknown.headers)).status).toBe(404);
    const bad = carrier.signedUpdate(webhookSecret, "car_x", "TELEPORTED");
    const answer = await postWebhook(bad.body, bad.headers);
    expect(answer.status).toBe(400);
    expect(
      ((await answer.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions
        .code,
    ).toBe("BAD_USER_INPUT");
  });
});

describe("status compare-and-set", () => {
  it("of two racing updates, the later status wins whichever commits first", async () => {
    for (let round = 0; round < 8; round++) {
      const pending = await request(FulfillmentProviderKind.LOCAL_DELIVERY, `ord_race_${round}`);
      await settled(pending.id, ShipmentStatus.LABEL_CREATED);
      const update = (status: ShipmentStatus) =>
        applyStatusUpdate(subgraph.database.orm.em, jobs, {
          shipmentId: pending.id,
          status,
          source: ShipmentStepSource.CARRIER_WEBHOOK,
        });
      const [inTransit, delivered, deliveredAgain] = await Promise.all([
        update(ShipmentStatus.IN_TRANSIT),
        update(ShipmentStatus.DELIVERED),
        update(ShipmentStatus.DELIVERED),
      ]);
      expect((await em().findOneOrFail(Shipment, pending.id)).status).toBe("DELIVERED");
      // The same status twice: exactly one applies.
      expect([delivered.applied, deliveredAgain.applied].filter(Boolean)).toHaveLength(1);
      const updates = await em().find(ShipmentEvent, {
        shipmentId: pending.id,
        step: ShipmentStep.STATUS_UPDATE,
      });
      const applied = updates.filter((event) => event.outcome === ShipmentStepOutcome.APPLIED);
      expect(applied.map((event) => event.status).sort()).toEqual(
        inTransit.applied ? ["DELIVERED", "IN_TRANSIT"] : ["DELIVERED"],
      );
      expect(updates).toHaveLength(3);
    }
  }, 60_000);
});

describe("shipments in GraphQL", () => {
  it("lists the tenant's shipments with their task history, and nothing of another tenant", async () => {
    const pending = await request(FulfillmentProviderKind.PICKUP, "ord_acme_1003");
    await settled(pending.id, ShipmentStatus.READY_FOR_PICKUP);
    const query = `query($id: ID!) {
      shipment(id: $id) { id provider status history { step outcome status source } }
      shipments { id }
    }`;
    const { body } = await subgraph.query(query, {
      identity: testIdentity(),
      variables: { id: pending.id },
    });
    expect(body.errors).toBeUndefined();
    const data = body.data as {
      shipment: { provider: string; status: string; history: { step: string }[] };
      shipments: { id: string }[];
    };
    expect(data.shipment.provider).toBe("PICKUP");
    expect(data.shipment.history.map((entry) => entry.step).slice(0, 2)).toEqual([
      "REQUESTED",
      "CREATE_AT_PROVIDER",
    ]);
    expect(data.shipments.map((entry) => entry.id)).toContain(pending.id);

    const globex = testIdentity({ userId: "user_demo_carol", organizationId: "org_demo_globex" });
    const other = await subgraph.query(query, { identity: globex, variables: { id: pending.id } });
    const otherData = other.body.data as { shipment: unknown; shipments: { id: string }[] };
    expect(otherData.shipment).toBeNull();
    expect(otherData.shipments.map((entry) => entry.id)).not.toContain(pending.id);
  }, 30_000);

  it("starts a shipment task for an organization administrator only", async () => {
    const mutation = `mutation($orderId: ID!, $provider: FulfillmentProviderKind!) {
      requestShipment(orderId: $orderId, provider: $provider) { id organizationId status }
    }`;
    const { body } = await subgraph.query(mutation, {
      identity: testIdentity(),
      variables: { orderId: "ord_acme_graphql", provider: "PICKUP" },
    });
    expect(body.errors).toBeUndefined();
    const requested = (body.data as { requestShipment: { id: string; organizationId: string } })
      .requestShipment;
    expect(requested.organizationId).toBe(acme);
    await settled(requested.id, ShipmentStatus.READY_FOR_PICKUP);

    const member = await subgraph.query(mutation, {
      identity: testIdentity({ role: "org:member" }),
      variables: { orderId: "ord_acme_graphql", provider: "PICKUP" },
    });
    expect(member.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const bad = await subgraph.query(mutation, {
      identity: testIdentity(),
      variables: { orderId: "ord'; drop table shipments", provider: "PICKUP" },
    });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  }, 30_000);

  it("keeps a valid customer contact, shows it masked only, and refuses a bad one with BAD_USER_INPUT", async () => {
    const mutation = `mutation($contact: CustomerContactInput) {
      requestShipment(orderId: "ord_acme_contact", provider: PICKUP, customerContact: $contact) {
        id customerContact { email phone }
      }
    }`;
    const ask = (contact: Record<string, unknown> | null) =>
      subgraph.query(mutation, { identity: testIdentity(), variables: { contact } });
    const { body } = await ask({ email: "pat@customer.test", phone: "+15557654321" });
    expect(body.errors).toBeUndefined();
    const requested = (
      body.data as { requestShipment: { id: string; customerContact: Record<string, unknown> } }
    ).requestShipment;
    expect(requested.customerContact).toEqual({ email: "p***@customer.test", phone: "***4321" });
    const stored = await em().findOneOrFail(Shipment, requested.id);
    expect([stored.customerEmail, stored.customerPhone]).toEqual([
      "pat@customer.test",
      "+15557654321",
    ]);
    const none = await ask(null);
    expect(none.body.data).toMatchObject({
      requestShipment: { customerContact: { email: null, phone: null } },
    });
    for (const [contact, field] of [
      [{ email: "not-an-address" }, "customerContact.email"],
      [{ email: `${"a".repeat(250)}@customer.test` }, "customerContact.email"],
      [{ phone: "5557654321" }, "customerContact.phone"],
      [{ email: "pat@customer.test", phone: "+1 555 765 4321" }, "customerContact.phone"],
    ] as const) {
      const refused = await ask(contact);
      expect({ contact, error: refused.body.errors?.[0]?.extensions }).toEqual({
        contact,
        error: expect.objectContaining({ code: "BAD_USER_INPUT", field }),
      });
      // The refusal never repeats what was given.
      expect(JSON.stringify(refused.body)).not.toContain(contact.phone ?? contact.email);
    }
  }, 30_000);

  it("refuses shipments to anonymous callers", async () => {
    const { body } = await subgraph.query(`{ shipments { id } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
