import { generateKeyPairSync, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  IDENTITY_HEADER,
  SECURITY_EVENT_STREAM,
  SecurityLevel,
  signIdentity,
  type SecurityEvent,
} from "@rampart/kit";
import { createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  createTestDatabase,
  freePort,
  postGraphQL,
  startNode,
  testIdentity,
  testServices,
  waitForHttp,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";
import { poll, startHttpPeer, type HttpPeer } from "../support/peers";

jest.setTimeout(120_000);

/** What the mutations answer here. */
interface SavedSecret {
  readonly signingSecret: string;
}

// The notifications process as deployed (its built `main.js`, `npm run build`), logging at
// `trace`: no line of its output holds a webhook signing secret, from creation through
// rotation to a signed delivery.
const script = path.resolve(__dirname, "..", "..", "dist", "main.js");
const { databaseUrl, redisUrl } = testServices();
const suite = databaseUrl && redisUrl ? describe : describe.skip;

suite("the notifications process's logs", () => {
  const keys = generateKeyPairSync("ed25519");
  let database: TestDatabase;
  let stores: Stores;
  let peer: HttpPeer;
  let dataDir: string;
  let subgraph: TestProcess;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase(databaseUrl as string);
    peer = await startHttpPeer({});
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-webhook-logs-"));
    const keyPrefix = `${path.basename(dataDir)}:`;
    stores = createRedisStores({ url: redisUrl as string, keyPrefix });
    const port = await freePort();
    subgraph = startNode(script, {
      NODE_ENV: "development",
      PORT: String(port),
      LOG_LEVEL: "trace",
      RAMPART_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: keyPrefix,
      SEED_DEMO_DATA: "false",
      GATEWAY_IDENTITY_PUBLIC_KEY: keys.publicKey
        .export({ type: "spki", format: "pem" })
        .toString(),
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      DELIVERY_POLL_INTERVAL_MS: "500",
    });
    await waitForHttp(`http://127.0.0.1:${port}/health`, 60_000, 200, subgraph);
    url = `http://127.0.0.1:${port}/graphql`;
  });

  afterAll(async () => {
    await subgraph?.stop();
    await stores?.close();
    await peer?.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** As an admin of the superadmin organization at level 3. */
  const send = (query: string, variables: Record<string, unknown>) => {
    const identity = testIdentity({
      organizationId: "org_rampart_admin",
      role: "org:admin",
      securityLevel: SecurityLevel.StepUp,
    });
    const assertion = signIdentity(identity, "notifications", keys.privateKey, {
      query,
      variables,
    });
    return postGraphQL(url, query, { variables, headers: { [IDENTITY_HEADER]: assertion } });
  };

  it("holds no webhook signing secret, at any log level", async () => {
    const created = await send(
      `mutation($destination: String!) { setOrganizationChannelPreference(channel: WEBHOOK, destination: $destination, minSeverity: "high") { id signingSecret } }`,
      { destination: `${peer.url}/webhook/logs` },
    );
    expect(created.body.errors).toBeUndefined();
    const { id, signingSecret: first } = created.body.data?.setOrganizationChannelPreference as {
      id: string;
      signingSecret: string;
    };
    const rotated = await send(
      `mutation($id: ID!) { rotateOrganizationWebhookSecret(id: $id) { signingSecret } }`,
      { id },
    );
    expect(rotated.body.errors).toBeUndefined();
    const current = (rotated.body.data?.rotateOrganizationWebhookSecret as SavedSecret)
      .signingSecret;
    expect(current).toMatch(/^whsec_/);

    peer.webhookSecrets.set("/webhook/logs", current);
    const event: SecurityEvent = {
      id: randomUUID(),
      type: "alert.raised",
      severity: "high",
      actorId: null,
      organizationId: null,
      ip: null,
      reason: "Log probe alert (alert l1, rule webhook-logs)",
      requestId: null,
      occurredAt: new Date().toISOString(),
    };
    await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    await poll(() => peer.processedWebhooks.length === 1, 30_000, "the signed webhook");

    // The process logged the requests and the delivery (logs are written asynchronously).
    await poll(
      () =>
        (subgraph.output().match(/"msg":"graphql request"/g) ?? []).length >= 2 &&
        subgraph.output().includes('"msg":"delivery sent"'),
      10_000,
      "the request and delivery logs",
    );
    const output = subgraph.output();
    for (const secret of [first, current]) {
      expect(output).not.toContain(secret);
      expect(output).not.toContain(secret.slice(6, 30));
    }
  });
});
