import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SECURITY_EVENT_STREAM, type SecurityEvent } from "@rampart/kit";
import { createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  freePort,
  startNode,
  startPrivatePostgres,
  testServices,
  waitForHttp,
  withPostgres,
  type PrivateService,
  type TestProcess,
} from "@rampart/kit/testing";
import { poll, startHttpPeer, type HttpPeer } from "../support/peers";

// The subgraph as its own process on a PostgreSQL server of this test's own, which it restarts.
const script = path.resolve(__dirname, "..", "..", "dist", "main.js");
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const { redisUrl } = testServices();
const suite = redisUrl ? describe : describe.skip;

suite("durable delivery across a PostgreSQL restart", () => {
  let postgres: PrivateService;
  let stores: Stores;
  let peer: HttpPeer;
  let dataDir: string;
  let subgraph: TestProcess | undefined;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    peer = await startHttpPeer({ webhookSecret });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-pg-restart-"));
    const keyPrefix = `${path.basename(dataDir)}:`;
    stores = createRedisStores({ url: redisUrl as string, keyPrefix });
    const env = {
      NODE_ENV: "development",
      PORT: String(await freePort()),
      RAMPART_DATA_DIR: dataDir,
      DATABASE_URL: postgres.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: keyPrefix,
      SEED_DEMO_DATA: "false",
      LOG_LEVEL: "fatal",
      ALERT_WEBHOOK_URL: `${peer.url}/webhook/restart`,
      ALERT_WEBHOOK_SECRET: webhookSecret,
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      DELIVERY_JOB_TIMEOUT_SECONDS: "3",
      DELIVERY_RETRY_DELAY_SECONDS: "1",
      DELIVERY_RETRY_DELAY_MAX_SECONDS: "4",
      DELIVERY_MAX_ATTEMPTS: "10",
      DELIVERY_POLL_INTERVAL_MS: "500",
    };
    subgraph = startNode(script, env);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health`, 60_000, 200, subgraph);
  }, 120_000);

  afterAll(async () => {
    await subgraph?.stop();
    await stores?.close();
    await peer?.close();
    await postgres?.remove();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const alert = (n: number): SecurityEvent => ({
    id: randomUUID(),
    type: "alert.raised",
    severity: "critical",
    actorId: null,
    organizationId: null,
    ip: null,
    reason: `Restart test alert ${n} (alert r${n}, rule restart-test)`,
    requestId: null,
    occurredAt: new Date().toISOString(),
  });
  const append = (n: number) =>
    stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(alert(n)) });
  const deliveries = () =>
    withPostgres(postgres.url, async (client) => {
      const { rows } = await client.query<{ id: string; status: string }>(
        `select id, status from notifications.deliveries order by created_at`,
      );
      return rows;
    });

  it("loses no alert raised while PostgreSQL is down, and sends each once after it is back", async () => {
    await append(1);
    await poll(async () => (await deliveries()).some((row) => row.status === "SENT"), 20_000);

    await postgres.kill();
    await append(2);
    await append(3);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await postgres.start();

    const sent = await poll(
      async () => {
        const rows = await deliveries().catch(() => []);
        return rows.length === 3 && rows.every((row) => row.status === "SENT") ? rows : null;
      },
      60_000,
      "every delivery to be sent after the restart",
    );
    expect([...peer.processedWebhooks].sort()).toEqual(sent.map((row) => row.id).sort());
    expect(subgraph?.child.exitCode).toBeNull();
  }, 120_000);
});
