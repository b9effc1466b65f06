import { randomBytes, randomUUID } from "node:crypto";
import { SecretBox, SecurityLevel, createLogger } from "@rampart/kit";
import { startTestSubgraph, testIdentity, type TestSubgraph } from "@rampart/kit/testing";
import type { Job } from "pg-boss";
import { Webhook } from "standardwebhooks";
import type { NotificationsConfig } from "../../src/config";
import { Delivery, DeliveryStatus } from "../../src/modules/delivery/delivery.entity";
import type { DeliveryJob } from "../../src/modules/delivery/delivery.engine";
import { DeliveryWorker } from "../../src/modules/delivery/delivery.worker";
import { createProviders } from "../../src/modules/delivery/providers";
import {
  Notification,
  NotificationChannel,
} from "../../src/modules/notifications/notification.entity";
import { ChannelPreference } from "../../src/modules/preferences/channel-preference.entity";
import { openWebhookSecret } from "../../src/modules/preferences/webhook-secret";
import { notificationsSubgraph } from "../../src/subgraph";
import { poll, startHttpPeer, type HttpPeer, type ReceivedRequest } from "../support/peers";

const alertSecret = `whsec_${randomBytes(32).toString("base64")}`;
const encryptionKey = randomBytes(32);
const secretBox = new SecretBox(encryptionKey);

let subgraph: TestSubgraph;
/** The configured ALERT_WEBHOOK_URL's receiver. */
let alertPeer: HttpPeer;
/** The receivers of two channel preferences, each verifying with the secret it was given. */
let peerA: HttpPeer;
let peerB: HttpPeer;

beforeAll(async () => {
  alertPeer = await startHttpPeer({ webhookSecret: alertSecret });
  peerA = await startHttpPeer({});
  peerB = await startHttpPeer({});
  subgraph = await startTestSubgraph(notificationsSubgraph, {
    environment: {
      ALERT_WEBHOOK_URL: `${alertPeer.url}/webhook/alerts`,
      ALERT_WEBHOOK_SECRET: alertSecret,
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      NOTIFICATIONS_ENCRYPTION_KEY: encryptionKey.toString("base64"),
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      DELIVERY_POLL_INTERVAL_MS: "500",
    },
  });
});

afterAll(async () => {
  await subgraph?.stop();
  await Promise.all([alertPeer, peerA, peerB].map((peer) => peer?.close()));
});

/** An admin of the (development) superadmin organization, whose alerts are dispatched. */
const admin = testIdentity({
  userId: "user_demo_alice",
  organizationId: "org_rampart_admin",
  role: "org:admin",
  securityLevel: SecurityLevel.StepUp,
});

interface SavedPreference {
  id: string;
  channel: string;
  signingSecret: string | null;
}

const save = async (mutation: string, args: string, identity = admin) => {
  const { body } = await subgraph.query(
    `mutation { ${mutation}(${args}) { id channel signingSecret } }`,
    { identity },
  );
  expect(body.errors).toBeUndefined();
  return body.data?.[mutation] as SavedPreference;
};

const rotate = (mutation: string, id: string, identity = admin) =>
  subgraph.query(`mutation($id: ID!) { ${mutation}(id: $id) { id signingSecret } }`, {
    identity,
    variables: { id },
  });

/** Throws unless `secret` verifies the webhook `request` carries. */
const verify = (secret: string, request: ReceivedRequest) =>
  new Webhook(secret).verify(request.body, {
    "webhook-id": String(request.headers["webhook-id"]),
    "webhook-timestamp": String(request.headers["webhook-timestamp"]),
    "webhook-signature": String(request.headers["webhook-signature"]),
  });

let alerts = 0;
/** Raises a high alert and returns a marker in its text. */
const raiseAlert = async (): Promise<string> => {
  alerts += 1;
  const marker = `webhook secret alert ${alerts} ${randomUUID()}`;
  await subgraph.runtime.securityEvents.record({
    type: "alert.raised",
    severity: "high",
    reason: `${marker} (alert w${alerts}, rule webhook-secrets)`,
    actorId: null,
    organizationId: null,
    ip: null,
    requestId: null,
  });
  return marker;
};

/** The first request at `path` whose body carries `marker`. */
const requestFor = (peer: HttpPeer, path: string, marker: string) =>
  poll(
    () => peer.requests.find((r) => r.path === path && r.body.includes(marker)),
    30_000,
    `a webhook at ${path} for "${marker}"`,
  );

/** The stored row of a preference, read directly from the database. */
const storedPreference = (id: string) =>
  subgraph.database.orm.em.fork().findOneOrFail(ChannelPreference, id);

let a: SavedPreference;
let b: SavedPreference;

describe("per-destination webhook signing secrets", () => {
  it("gives each new webhook its own secret, once; each receiver verifies only its own", async () => {
    a = await save(
      "setOrganizationChannelPreference",
      `channel: WEBHOOK, destination: "${peerA.url}/webhook/a", minSeverity: "high"`,
    );
    b = await save(
      "setMyChannelPreference",
      `channel: WEBHOOK, destination: "${peerB.url}/webhook/b", minSeverity: "high"`,
    );
    const slack = await save(
      "setMyChannelPreference",
      'channel: SLACK, destination: "https://hooks.slack.test/services/T0/B0/x", minSeverity: "critical"',
    );
    for (const { signingSecret } of [a, b]) {
      expect(signingSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(signingSecret!.slice(6), "base64")).toHaveLength(32);
    }
    expect(new Set([a.signingSecret, b.signingSecret, alertSecret]).size).toBe(3);
    expect(slack.signingSecret).toBeNull();
    // Saving an existing destination again changes it but shows no secret.
    const again = await save(
      "setOrganizationChannelPreference",
      `channel: WEBHOOK, destination: "${peerA.url}/webhook/a", minSeverity: "high"`,
    );
    expect(again).toEqual({ ...a, signingSecret: null });

    peerA.webhookSecrets.set("/webhook/a", a.signingSecret!);
    peerB.webhookSecrets.set("/webhook/b", b.signingSecret!);
    const marker = await raiseAlert();
    const [atA, atB, atAlert] = await Promise.all([
      requestFor(peerA, "/webhook/a", marker),
      requestFor(peerB, "/webhook/b", marker),
      requestFor(alertPeer, "/webhook/alerts", marker),
    ]);
    // Each receiver accepted (and processed) its own webhook.
    await poll(
      () =>
        peerA.processedWebhooks.includes(String(atA.headers["webhook-id"])) &&
        peerB.processedWebhooks.includes(String(atB.headers["webhook-id"])) &&
        alertPeer.processedWebhooks.includes(String(atAlert.headers["webhook-id"])),
      10_000,
      "every receiver to process its webhook",
    );
    // Each verifies with its own secret only: one receiver's secret neither verifies nor forges
    // another's webhooks.
    const secrets = { a: a.signingSecret!, b: b.signingSecret!, alert: alertSecret };
    const received = { a: atA, b: atB, alert: atAlert };
    for (const [receiver, request] of Object.entries(received)) {
      for (const [holder, secret] of Object.entries(secrets)) {
        const verifies = (() => {
          try {
            verify(secret, request);
            return true;
          } catch {
            return false;
          }
        })();
        expect({ receiver, holder, verifies }).toEqual({
          receiver,
          holder,
          verifies: receiver === holder,
        });
      }
    }
    // The delivery rows refer to their preferences; the configured webhook's to none.
    const rows = await subgraph.database.orm.em.fork().find(Delivery, {
      id: { $in: [atA, atB, atAlert].map((r) => String(r.headers["webhook-id"])) },
    });
    expect(Object.fromEntries(rows.map((row) => [row.id, row.preferenceId]))).toEqual({
      [String(atA.headers["webhook-id"])]: a.id,
      [String(atB.headers["webhook-id"])]: b.id,
      [String(atAlert.headers["webhook-id"])]: null,
    });
  });

  it("never shows a secret again: not in the preference queries, not in the database in clear", async () => {
    const { body } = await subgraph.query(
      "{ myChannelPreferences { id channel signingSecret } organizationChannelPreferences { id channel signingSecret } }",
      { identity: admin },
    );
    expect(body.errors).toBeUndefined();
    const listed = [
      ...(body.data?.myChannelPreferences as SavedPreference[]),
      ...(body.data?.organizationChannelPreferences as SavedPreference[]),
    ];
    expect(listed.map((p) => p.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    for (const preference of listed) expect(preference.signingSecret).toBeNull();

    // Every row of every table of the subgraph's schema, as stored.
    const connection = subgraph.database.orm.em.getConnection();
    const tables = (await connection.execute(
      "select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'",
    )) as { table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["channel_preferences", "deliveries"]),
    );
    let dump = "";
    for (const { table_name: table } of tables) {
      const rows = (await connection.execute(
        `select row_to_json(t)::text as row from "${table}" t`,
      )) as { row: string }[];
      dump += rows.map((r) => r.row).join("\n");
    }
    for (const secret of [a.signingSecret!, b.signingSecret!]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(secret.slice(6));
      expect(dump).not.toContain(Buffer.from(secret.slice(6), "base64").toString("hex"));
    }
    // What is stored is sealed, bound to its row, and opens to the secret shown at creation.
    const row = await storedPreference(a.id);
    expect(row.signingSecretSealed).toMatch(/^v2\./);
    expect(openWebhookSecret(secretBox, a.id, row.signingSecretSealed!)).toBe(a.signingSecret);
    expect(() => openWebhookSecret(secretBox, b.id, row.signingSecretSealed!)).toThrow();
  });

  it("rotates: the old secret stops verifying, the new one verifies", async () => {
    const rotated = await rotate("rotateOrganizationWebhookSecret", a.id);
    expect(rotated.body.errors).toBeUndefined();
    const fresh = rotated.body.data?.rotateOrganizationWebhookSecret as SavedPreference;
    expect(fresh.id).toBe(a.id);
    expect(fresh.signingSecret).toMatch(/^whsec_/);
    expect(fresh.signingSecret).not.toBe(a.signingSecret);

    // A receiver still holding the old secret refuses the next webhook (401, not retried)...
    const refused = await raiseAlert();
    const withNew = await requestFor(peerA, "/webhook/a", refused);
    expect(() => verify(fresh.signingSecret!, withNew)).not.toThrow();
    expect(() => verify(a.signingSecret!, withNew)).toThrow();
    const failed = await poll(
      async () => {
        const row = await subgraph.database.orm.em
          .fork()
          .findOne(Delivery, String(withNew.headers["webhook-id"]));
        return row?.status === DeliveryStatus.FAILED ? row : null;
      },
      20_000,
      "the delivery refused by the old secret",
    );
    expect(failed.lastError).toBe("webhook answered HTTP 401");
    // ...and accepts it once given the new one.
    peerA.webhookSecrets.set("/webhook/a", fresh.signingSecret!);
    const accepted = await raiseAlert();
    const next = await requestFor(peerA, "/webhook/a", accepted);
    await poll(
      () => peerA.processedWebhooks.includes(String(next.headers["webhook-id"])),
      10_000,
      "the webhook signed with the new secret to be processed",
    );
    // B is untouched by A's rotation.
    const atB = await requestFor(peerB, "/webhook/b", accepted);
    expect(() => verify(b.signingSecret!, atB)).not.toThrow();
    a = fresh;
  });

  it("lets exactly one of concurrent rotations win, and tells each caller whether it won", async () => {
    const before = (await storedPreference(a.id)).signingSecretVersion;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => rotate("rotateOrganizationWebhookSecret", a.id)),
    );
    const winners = answers
      .map((answer) => answer.body.data?.rotateOrganizationWebhookSecret as SavedPreference | null)
      .filter((won): won is SavedPreference => Boolean(won))
      .map((won) => won.signingSecret!);
    const losers = answers.filter((answer) => answer.body.errors);
    expect(winners.length + losers.length).toBe(12);
    expect(losers.length).toBeGreaterThanOrEqual(1);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const loser of losers) {
      expect(loser.status).toBe(200);
      expect(loser.body.errors?.[0]?.extensions).toMatchObject({
        code: "BAD_USER_INPUT",
        reason: "WEBHOOK_SECRET_ROTATION_CONFLICT",
      });
    }
    // Each win replaced the secret it read: none was lost in a race.
    const row = await storedPreference(a.id);
    expect(row.signingSecretVersion).toBe(before + winners.length);
    const current = openWebhookSecret(secretBox, a.id, row.signingSecretSealed!);
    expect(winners).toContain(current);

    // Exactly one secret verifies what is sent now: the last winner's.
    peerA.webhookSecrets.set("/webhook/a", current);
    const marker = await raiseAlert();
    const request = await requestFor(peerA, "/webhook/a", marker);
    const verifying = [...winners, a.signingSecret!].filter((secret) => {
      try {
        verify(secret, request);
        return true;
      } catch {
        return false;
      }
    });
    expect(verifying).toEqual([current]);
    a = { ...a, signingSecret: current };
  });

  it("keeps rotation to the preference's owner, with the rules of changing it", async () => {
    const codeOf = async (mutation: string, id: string, identity = admin) =>
      (await rotate(mutation, id, identity)).body.errors?.[0]?.extensions?.code;
    // The organization's webhook is not one of the caller's own, nor of another organization.
    expect(await codeOf("rotateMyWebhookSecret", a.id)).toBe("NOT_FOUND");
    expect(
      await codeOf("rotateOrganizationWebhookSecret", a.id, {
        ...admin,
        organizationId: "org_demo_acme",
      }),
    ).toBe("NOT_FOUND");
    expect(
      await codeOf("rotateOrganizationWebhookSecret", a.id, {
        ...admin,
        securityLevel: SecurityLevel.SecondFactor,
      }),
    ).toBe("STEP_UP_REQUIRED");
    expect(await codeOf("rotateMyWebhookSecret", b.id, { ...admin, role: "org:member" })).toBe(
      "FORBIDDEN",
    );
    expect(await codeOf("rotateMyWebhookSecret", b.id, { ...admin, userId: "user_demo_bob" })).toBe(
      "NOT_FOUND",
    );
    for (const id of ["not-a-uuid", "' or 1=1 --", randomUUID()]) {
      expect({ id, code: await codeOf("rotateMyWebhookSecret", id) }).toEqual({
        id,
        code: "NOT_FOUND",
      });
    }
    const mine = (
      await subgraph.query("{ myChannelPreferences { id channel } }", { identity: admin })
    ).body.data?.myChannelPreferences as SavedPreference[];
    const slack = mine.find((p) => p.channel === "SLACK") as SavedPreference;
    const notWebhook = await rotate("rotateMyWebhookSecret", slack.id);
    expect(notWebhook.body.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "NOT_A_WEBHOOK",
    });
    // None of these changed the secret.
    expect(
      openWebhookSecret(secretBox, a.id, (await storedPreference(a.id)).signingSecretSealed!),
    ).toBe(a.signingSecret);
  });

  describe("at send time", () => {
    let worker: DeliveryWorker;
    let peer: HttpPeer;

    beforeAll(async () => {
      peer = await startHttpPeer({});
      const em = subgraph.database.orm.em.fork();
      // The subgraph's own worker, on its database, with its key and alert webhook.
      worker = new DeliveryWorker(
        em,
        createProviders(subgraph.runtime.config as NotificationsConfig),
        createLogger({ service: "notifications", level: "silent" }),
        {
          secretBox,
          alertWebhook: { url: `${alertPeer.url}/webhook/alerts`, secret: alertSecret },
        },
      );
    });
    afterAll(() => peer?.close());

    /** A queued delivery row (no job: the test runs the worker itself). */
    const queued = async (destination: string, preferenceId: string | null) => {
      const em = subgraph.database.orm.em.fork();
      const notification = em.create(Notification, {
        id: `ntf_${randomUUID()}`,
        userId: null,
        organizationId: "org_rampart_admin",
        channel: NotificationChannel.IN_APP,
        title: "Security alert (high)",
        body: "at send time",
        severity: "high",
        readAt: null,
        archivedAt: null,
        createdAt: new Date(),
        sourceEventId: null,
      });
      const delivery = em.create(Delivery, {
        id: randomUUID(),
        notificationId: notification.id,
        organizationId: "org_rampart_admin",
        channel: NotificationChannel.WEBHOOK,
        destination,
        preferenceId,
        status: DeliveryStatus.PENDING,
        attempts: 0,
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      await em.flush();
      return delivery.id;
    };

    /** Runs the worker on one delivery as its job would; resolving means no retry. */
    const send = async (deliveryId: string) => {
      await worker.send({ data: { deliveryId } } as Job<DeliveryJob>);
      return subgraph.database.orm.em.fork().findOneOrFail(Delivery, deliveryId);
    };

    it("fails for good, with a clear lastError, when its preference is gone or disabled", async () => {
      const disabled = await save(
        "setMyChannelPreference",
        `channel: WEBHOOK, destination: "${peer.url}/webhook/disabled", enabled: false`,
      );
      const removed = await save(
        "setMyChannelPreference",
        `channel: WEBHOOK, destination: "${peer.url}/webhook/removed"`,
      );
      const toDisabled = await queued(`${peer.url}/webhook/disabled`, disabled.id);
      const toRemoved = await queued(`${peer.url}/webhook/removed`, removed.id);
      const { body } = await subgraph.query(
        `mutation { removeMyChannelPreference(id: "${removed.id}") }`,
        { identity: admin },
      );
      expect(body.data).toEqual({ removeMyChannelPreference: true });

      expect(await send(toDisabled)).toMatchObject({
        status: DeliveryStatus.FAILED,
        attempts: 1,
        lastError: "its channel preference is disabled",
      });
      expect(await send(toRemoved)).toMatchObject({
        status: DeliveryStatus.FAILED,
        attempts: 1,
        lastError: "its channel preference was removed",
      });
      expect(peer.requests).toEqual([]);
    });

    it("never signs a webhook with another destination's secret", async () => {
      // A webhook that is neither ALERT_WEBHOOK_URL nor a preference's (a row from before
      // per-destination secrets): ALERT_WEBHOOK_SECRET is not lent to it.
      const stray = await send(await queued(`${peer.url}/webhook/stray`, null));
      expect(stray).toMatchObject({ status: DeliveryStatus.FAILED, attempts: 1 });
      expect(stray.lastError).toMatch(/neither ALERT_WEBHOOK_URL nor a channel preference/);
      // A webhook preference saved before secrets were per destination has none until rotated.
      const legacy = await save(
        "setMyChannelPreference",
        `channel: WEBHOOK, destination: "${peer.url}/webhook/legacy"`,
      );
      await subgraph.database.orm.em
        .fork()
        .nativeUpdate(ChannelPreference, { id: legacy.id }, { signingSecretSealed: null });
      const unsigned = await send(await queued(`${peer.url}/webhook/legacy`, legacy.id));
      expect(unsigned).toMatchObject({ status: DeliveryStatus.FAILED, attempts: 1 });
      expect(unsigned.lastError).toMatch(/has no signing secret: rotate it/);
      expect(peer.requests).toEqual([]);
      // Rotating gives it one, and it is sent signed with it.
      const rotated = await rotate("rotateMyWebhookSecret", legacy.id);
      const secret = (rotated.body.data?.rotateMyWebhookSecret as SavedPreference)
        .signingSecret as string;
      peer.webhookSecrets.set("/webhook/legacy", secret);
      const sent = await send(await queued(`${peer.url}/webhook/legacy`, legacy.id));
      expect(sent).toMatchObject({ status: DeliveryStatus.SENT, attempts: 1 });
      expect(peer.processedWebhooks).toEqual([sent.id]);
    });
  });
});

describe("concurrent creation of one webhook destination", () => {
  it("answers every caller (no internal error); exactly one sees a secret, and it is the stored one", async () => {
    const caller = testIdentity({
      userId: `user_${randomBytes(6).toString("hex")}`,
      organizationId: "org_rampart_admin",
      role: "org:admin",
      securityLevel: SecurityLevel.StepUp,
    });
    const destination = `${peerB.url}/webhook/race-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        subgraph.query(
          `mutation($d: String!) { setMyChannelPreference(channel: WEBHOOK, destination: $d, minSeverity: "high") { id signingSecret } }`,
          { identity: caller, variables: { d: destination } },
        ),
      ),
    );
    for (const answer of answers) {
      expect({ status: answer.status, errors: answer.body.errors }).toEqual({
        status: 200,
        errors: undefined,
      });
    }
    const saved = answers.map(
      (answer) => answer.body.data?.setMyChannelPreference as SavedPreference,
    );
    expect(new Set(saved.map((preference) => preference.id)).size).toBe(1);
    const shown = saved.flatMap((preference) => preference.signingSecret ?? []);
    expect(shown).toHaveLength(1);
    const row = await storedPreference(saved[0]!.id);
    expect(openWebhookSecret(secretBox, row.id, row.signingSecretSealed!)).toBe(shown[0]);
  });
});
