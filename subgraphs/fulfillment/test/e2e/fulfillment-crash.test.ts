import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLogger } from "@rampart/kit";
import { openDatabase, type Database } from "@rampart/kit/stores";
import { JobEngine } from "@rampart/kit/subgraph";
import {
  createTestDatabase,
  freePort,
  startNode,
  testServices,
  waitForHttp,
  type TestDatabase,
  type TestProcess,
} from "@rampart/kit/testing";
import { parseFulfillmentConfig } from "../../src/config";
import { migrations } from "../../src/migrations";
import { ShipmentEvent } from "../../src/modules/shipments/shipment-event.entity";
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
import { requestShipment } from "../../src/modules/tasks/task.service";
import { poll, startCarrierPeer, type CarrierPeer } from "../support/carrier-peer";

// The subgraph as its own process (built by `npm run build`), killed with SIGKILL mid-call.
const script = path.resolve(__dirname, "..", "..", "dist", "main.js");
const apiKey = `carrier-key-${randomBytes(12).toString("hex")}`;
const { databaseUrl, redisUrl } = testServices();
const suite = databaseUrl && redisUrl ? describe : describe.skip;

suite("fulfillment tasks in a real subgraph process (kill -9 mid-call)", () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let jobs: JobEngine<FulfillmentJob>;
  let carrier: CarrierPeer;
  let dataDir: string;
  let env: Record<string, string>;
  let subgraph: TestProcess | undefined;

  const start = async () => {
    const child = startNode(script, env);
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health`, 60_000, 200, child);
    return child;
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase(databaseUrl as string);
    carrier = await startCarrierPeer(apiKey);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rampart-fulfillment-crash-"));
    env = {
      NODE_ENV: "development",
      PORT: String(await freePort()),
      RAMPART_DATA_DIR: dataDir,
      DATABASE_URL: testDatabase.url,
      REDIS_URL: redisUrl as string,
      REDIS_KEY_PREFIX: `${path.basename(dataDir)}:`,
      SEED_DEMO_DATA: "false",
      LOG_LEVEL: "warn",
      FULFILLMENT_CARRIER_URL: carrier.url,
      FULFILLMENT_CARRIER_API_KEY: apiKey,
      // A step whose worker died is retried once it has been active this long.
      FULFILLMENT_JOB_TIMEOUT_SECONDS: "3",
      FULFILLMENT_RETRY_DELAY_SECONDS: "1",
      FULFILLMENT_PROVIDER_TIMEOUT_MS: "2000",
      FULFILLMENT_POLL_INTERVAL_MS: "500",
    };
    // The process migrates its schema; the test then shares it to queue shipments.
    subgraph = await start();
    database = await openDatabase({
      schema: "fulfillment",
      entities: [Shipment, ShipmentEvent],
      migrations,
      databaseUrl: testDatabase.url,
      pgliteDataDir: "memory://",
    });
    jobs = await JobEngine.start<FulfillmentJob>({
      em: database.orm.em.fork(),
      queue: FULFILLMENT_QUEUE,
      policy: fulfillmentPolicyOf(parseFulfillmentConfig(env)),
      handlers: { run: async () => undefined, bury: async () => undefined },
      logger: createLogger({ service: "fulfillment-test", level: "silent" }),
      work: false,
    });
  }, 120_000);

  afterAll(async () => {
    await subgraph?.stop();
    await jobs?.stop();
    await database?.close();
    await carrier?.close();
    await testDatabase?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates the shipment once at a carrier honouring idempotency keys, and loses no task", async () => {
    // The carrier creates the shipment on receipt but answers slowly: the worker dies waiting.
    carrier.delay("ord_crash", 30_000);
    const first = subgraph as TestProcess;
    const killed = new Promise<void>((resolve) => {
      carrier.onRequest = () => {
        carrier.onRequest = undefined;
        first.child.kill("SIGKILL");
        resolve();
      };
    });
    const pending = await database.orm.em.fork().transactional((tx) =>
      requestShipment(tx, jobs, {
        orderId: "ord_crash",
        organizationId: "org_demo_acme",
        provider: FulfillmentProviderKind.CARRIER,
      }),
    );
    await killed;
    expect(await first.exited).toBe("SIGKILL");

    subgraph = await start();
    const shipment = await poll(
      async () => {
        const row = await database.orm.em.fork().findOneOrFail(Shipment, pending.id);
        return row.status === ShipmentStatus.PENDING ? null : row;
      },
      60_000,
      "the shipment to be created after the restart",
    );
    expect(shipment.status).toBe(ShipmentStatus.LABEL_CREATED);
    // Asked at least twice, always with the shipment id as key; created exactly once.
    const calls = carrier.calls.filter((call) => call.reference === pending.id);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(new Set([pending.id]));
    expect([...carrier.created.keys()]).toEqual([pending.id]);
    expect(shipment.providerShipmentId).toBe(carrier.created.get(pending.id)?.id);
    expect(shipment.attempts).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
