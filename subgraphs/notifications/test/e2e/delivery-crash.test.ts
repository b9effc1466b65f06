import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SECURITY_EVENT_STREAM, type SecurityEvent } from "@rampart/kit";
import { createRedisStores, type Stores } from "@rampart/kit/stores";
import {
  createTestDatabase,
  freePort,
  startNode,
  testServices,
  waitForHttp,
  withPostgres,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";
import { poll, startHttpPeer, type HttpPeer } from "../support/peers";

// The subgraph as its own process (built by `npm run build`), killed with SIGKILL mid-job.
const script = path.resolve(__dirname, "..", "..", "dist", "main.js");
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const { databaseUrl, redisUrl } = testServices();
const suite = databaseUrl && redisUrl ? describe : describe.skip;

suite("durable delivery in a real subgraph process (crash, drain, provider outage)", () => {
  let database: TestDatabase;
  let stores: Stores;
  let peer: HttpPeer;
  let dataDir: string;
  let env: Record<string, string>;
  let subgraph: TestProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(databaseUrl as string);
    peer = await startHttpPeer({ webhookSecret });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-crash-"));
    const keyPrefix = `${path.basename(dataDir)}:`;
    stores = createRedisStores({ url: redisUrl as string, keyPrefix });
    env = {
      NODE_ENV: "development",
      PORT: String(await freePort()),
      RAMPART_DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: keyPrefix,
      SEED_DEMO_DATA: "false",
      LOG_LEVEL: "warn",
      ALERT_WEBHOOK_URL: `${peer.url}/webhook/crash`,
      ALERT_WEBHOOK_SECRET: webhookSecret,
      ALERT_DISPATCH_MIN_SEVERITY: "high",
      DELIVERY_ADDRESS_ALLOWLIST: "127.0.0.1/32",
      // A job whose worker died is retried once it has been active this long.
      DELIVERY_JOB_TIMEOUT_SECONDS: "3",
      DELIVERY_RETRY_DELAY_SECONDS: "1",
      DELIVERY_PROVIDER_TIMEOUT_MS: "2000",
      DELIVERY_POLL_INTERVAL_MS: "500",
    };
  });

  afterAll(async () => {
    await subgraph?.stop();
    await stores?.close();
    await peer?.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async () => {
    const child = startNode(script, env);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health`, 60_000, 200, child);
    return child;
  };

  const alert = (n: number): SecurityEvent => ({
    id: randomUUID(),
    type: "alert.raised",
    severity: "critical",
    actorId: null,
    organizationId: null,
    ip: null,
    reason: `Crash test alert ${n} (alert c${n}, rule crash-test)`,
    requestId: null,
    occurredAt: new Date().toISOString(),
  });

  const deliveries = () =>
    withPostgres(database.url, async (client) => {
      const { rows } = await client.query<{ id: string; status: string; attempts: number }>(
        `select id, status, attempts from notifications.deliveries order by created_at`,
      );
      return rows;
    });

  it("loses no delivery and sends none twice to a provider that honours idempotency keys", async () => {
    subgraph = await start();
    // The first webhook is accepted by the provider but answered slowly: the worker dies waiting.
    peer.script("/webhook/crash", { status: 200, delayMs: 30_000 });
    const first = subgraph;
    const killed = new Promise<void>((resolve) => {
      peer.onRequest = () => {
        peer.onRequest = undefined;
        first.child.kill("SIGKILL");
        resolve();
      };
    });
    const events = [alert(1), alert(2), alert(3)];
    for (const event of events) {
      await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    }
    await killed;
    expect(await first.exited).toBe("SIGKILL");

    subgraph = await start();
    const sent = await poll(
      async () => {
        const rows = await deliveries();
        return rows.length === 3 && rows.every((row) => row.status === "SENT") ? rows : null;
      },
      60_000,
      "every delivery to be sent after the restart",
    );

    // Nothing lost: each delivery reached the provider and was processed there exactly once.
    expect([...peer.processedWebhooks].sort()).toEqual(sent.map((row) => row.id).sort());
    // The interrupted one was sent again (at least once) and the provider dropped the repeat.
    expect(peer.duplicateWebhooks.length).toBeGreaterThanOrEqual(1);
    const repeated = sent.find((row) => row.id === peer.duplicateWebhooks[0]);
    expect(repeated?.attempts).toBeGreaterThanOrEqual(2);
  });

  it("drains on SIGTERM: a delivery in flight finishes before the process exits", async () => {
    subgraph ??= await start();
    peer.script("/webhook/crash", { status: 200, delayMs: 1500 });
    const running = subgraph;
    const arrived = new Promise<void>((resolve) => {
      peer.onRequest = () => {
        peer.onRequest = undefined;
        resolve();
      };
    });
    const event = alert(4);
    await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    await arrived;
    const code = await running.stop();
    expect({ code, output: code === 0 ? "" : running.output() }).toEqual({ code: 0, output: "" });
    subgraph = undefined;
    const rows = await deliveries();
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.status === "SENT")).toBe(true);
  });

  it("retries through a provider down for 30 s, and sends once it is back", async () => {
    const downPort = await freePort();
    env = {
      ...env,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${downPort}/webhook/later`,
      DELIVERY_MAX_ATTEMPTS: "10",
      DELIVERY_RETRY_DELAY_MAX_SECONDS: "8",
    };
    subgraph = await start();
    const event = alert(5);
    await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
    const failing = await poll(
      async () => {
        const rows = await deliveries();
        return rows.length === 5 && rows[4].status === "FAILED" ? rows[4] : null;
      },
      20_000,
      "the delivery to fail while the provider is down",
    );
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const during = (await deliveries())[4];
    expect(during.status).not.toBe("SENT");
    expect(during.status).not.toBe("DEAD");
    const back = await startHttpPeer({ webhookSecret, port: downPort });
    try {
      const sent = await poll(
        async () => {
          const rows = await deliveries();
          return rows[4].status === "SENT" ? rows[4] : null;
        },
        30_000,
        "the delivery to be sent once the provider is back",
      );
      expect(sent.attempts).toBeGreaterThanOrEqual(during.attempts + 1);
      expect(during.attempts).toBeGreaterThanOrEqual(3);
      expect(back.processedWebhooks).toEqual([failing.id]);
    } finally {
      await back.close();
    }
  }, 120_000);
});
