import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createLogger, SECURITY_EVENT_STREAM, type SecurityEvent } from "@rampart/kit";
import { createMemoryStores, openDatabase } from "@rampart/kit/stores";
import { dropSchema, uniqueName } from "@rampart/kit/testing";
import { benchMachine, runTool, writeBenchResults } from "@rampart/kit/tools";
import { repositoryRoot } from "@rampart/gateway";
import {
  AlertDispatcher,
  ChannelPreference,
  createDeliveries,
  createProviders,
  Delivery,
  DeliveryEngine,
  DeliveryStatus,
  DeliveryWorker,
  migrations,
  Notification,
  NotificationChannel,
  parseNotificationsConfig,
  type ChannelProvider,
} from "@rampart/notifications";
import { SMTPServer } from "smtp-server";

// `npm run bench:delivery`: the notifications subgraph's delivery engine (pg-boss) on
// PostgreSQL when DATABASE_URL is set, else on PGlite, in one process, bounded to ~20 s:
//  1. Throughput: N deliveries queued (with their jobs, 100 per transaction) and sent by the
//     workers through a no-op provider, against the same rows inserted by plain INSERTs (100 per
//     transaction, no job) in the same run.
//  2. Latency: alerts appended to the security event stream, from the append to the email's
//     receipt by a local SMTP server (dispatcher → job → nodemailer → smtp-server): p50, p99.
// Writes bench/results/delivery-*.json.

const settings = {
  /** Deliveries in the throughput phase. */
  deliveries: Number(process.env.BENCH_DELIVERIES ?? 1000),
  /** Longest wait for the workers, in ms (the phase reports what was sent by then). */
  workBudgetMs: Number(process.env.BENCH_DELIVERY_BUDGET_MS ?? 10_000),
  /** Alerts in the latency phase, one every `alertSpacingMs`. */
  alerts: Number(process.env.BENCH_ALERTS ?? 30),
  alertSpacingMs: Number(process.env.BENCH_ALERT_SPACING_MS ?? 100),
};

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

runTool(async () => {
  const received = new Map<string, number>();
  const smtp = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, _session, callback) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString()));
      stream.on("end", () => {
        const marker = /bench-alert-([0-9a-f-]{36})/.exec(raw)?.[1];
        if (marker) received.set(marker, performance.now());
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const databaseUrl = process.env.DATABASE_URL || undefined;
  const schema = uniqueName("bench_delivery");
  const database = await openDatabase({
    schema,
    entities: [Notification, Delivery, ChannelPreference],
    migrations,
    databaseUrl,
    pgliteDataDir: "memory://",
  });
  const config = parseNotificationsConfig({
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SMTP_REQUIRE_TLS: "false",
    ALERT_EMAIL_TO: "oncall@bench.test",
    DELIVERY_POLL_INTERVAL_MS: "500",
    DELIVERY_CONCURRENCY: "16",
  });
  const logger = createLogger({ service: "bench-delivery", level: "silent" });
  const noop: ChannelProvider = {
    channel: NotificationChannel.WEBHOOK,
    send: async (_message, _destination, key) => key,
  };
  const providers = new Map(createProviders(config));
  providers.set(NotificationChannel.WEBHOOK, noop);
  const em = database.orm.em.fork();
  const engine = await DeliveryEngine.start({
    em,
    config,
    handlers: new DeliveryWorker(em, providers, logger),
    logger,
  });
  const stores = createMemoryStores();
  try {
    const notification = (tx: typeof em) =>
      tx.create(Notification, {
        id: `ntf_${randomUUID()}`,
        userId: null,
        organizationId: "org_bench",
        channel: NotificationChannel.IN_APP,
        title: "bench",
        body: "bench",
        severity: "critical",
        readAt: null,
        archivedAt: null,
        createdAt: new Date(),
        sourceEventId: null,
      });
    const batches = Math.ceil(settings.deliveries / 100);

    // 1a. Plain inserts: the same rows, no job.
    let started = performance.now();
    for (let b = 0; b < batches; b += 1) {
      await em.fork().transactional(async (tx) => {
        const n = notification(tx);
        for (let i = 0; i < 100; i += 1) {
          tx.create(Delivery, {
            id: randomUUID(),
            notificationId: n.id,
            organizationId: n.organizationId,
            channel: NotificationChannel.WEBHOOK,
            destination: "https://hooks.bench.test/plain",
            status: DeliveryStatus.SENT,
            attempts: 1,
            createdAt: new Date(),
            updatedAt: new Date(),
          });
        }
      });
    }
    const plainMs = performance.now() - started;

    // 1b. Through the engine: rows and jobs in one transaction, then sent by the workers.
    const queued: string[] = [];
    started = performance.now();
    for (let b = 0; b < batches; b += 1) {
      await em.fork().transactional(async (tx) => {
        const n = notification(tx);
        const targets = Array.from({ length: 100 }, (_, i) => ({
          channel: NotificationChannel.WEBHOOK,
          destination: `https://hooks.bench.test/${b}/${i}`,
        }));
        const created = await createDeliveries(tx, engine, n, targets);
        queued.push(...created.map((d) => d.id));
      });
    }
    const enqueueMs = performance.now() - started;
    let sent = 0;
    const deadline = started + settings.workBudgetMs + enqueueMs;
    while (performance.now() < deadline) {
      sent = await em.fork().count(Delivery, { id: { $in: queued }, status: DeliveryStatus.SENT });
      if (sent === queued.length) break;
      await sleep(100);
    }
    const engineMs = performance.now() - started;

    // 2. Alert → SMTP receipt.
    const dispatcher = new AlertDispatcher({
      events: stores.events,
      pubsub: stores.pubsub,
      em,
      engine,
      logger,
      targets: [{ channel: NotificationChannel.EMAIL, destination: "oncall@bench.test" }],
      minSeverity: "critical",
      organizationId: "org_bench",
      consumer: "bench",
      blockMs: 50,
    });
    await dispatcher.start();
    const appended = new Map<string, number>();
    for (let i = 0; i < settings.alerts; i += 1) {
      const marker = randomUUID();
      const event: SecurityEvent = {
        id: randomUUID(),
        type: "alert.raised",
        severity: "critical",
        actorId: null,
        organizationId: null,
        ip: null,
        reason: `bench-alert-${marker} (alert b${i}, rule bench)`,
        requestId: null,
        occurredAt: new Date().toISOString(),
      };
      appended.set(marker, performance.now());
      await stores.events.append(SECURITY_EVENT_STREAM, { event: JSON.stringify(event) });
      await sleep(settings.alertSpacingMs);
    }
    const latencyDeadline = performance.now() + 5_000;
    while (received.size < appended.size && performance.now() < latencyDeadline) await sleep(50);
    await dispatcher.stop();
    const latencies = [...appended].flatMap(([marker, at]) => {
      const got = received.get(marker);
      return got === undefined ? [] : [got - at];
    });

    const report = {
      date: new Date().toISOString(),
      machine: benchMachine(),
      engine: database.engine,
      settings,
      throughput: {
        deliveries: queued.length,
        plainInsertsPerSecond: Math.round((batches * 100 * 1000) / plainMs),
        engineEnqueuePerSecond: Math.round((queued.length * 1000) / enqueueMs),
        engineSentPerSecond: Math.round((sent * 1000) / engineMs),
        sent,
      },
      alertToSmtp: {
        alerts: appended.size,
        received: latencies.length,
        p50Ms: Math.round(percentile(latencies, 50)),
        p99Ms: Math.round(percentile(latencies, 99)),
      },
    };
    const written = writeBenchResults(repositoryRoot, "delivery", report);
    process.stdout.write(
      `${database.engine}: plain inserts ${report.throughput.plainInsertsPerSecond}/s; ` +
        `engine enqueue ${report.throughput.engineEnqueuePerSecond}/s, sent through a no-op provider ` +
        `${report.throughput.engineSentPerSecond} jobs/s (${sent}/${queued.length}); ` +
        `alert → SMTP receipt p50 ${report.alertToSmtp.p50Ms} ms, p99 ${report.alertToSmtp.p99Ms} ms ` +
        `(${latencies.length}/${appended.size}). ${written}\n`,
    );
  } finally {
    await engine.stop(2000);
    for (const provider of providers.values()) provider.close?.();
    await stores.close();
    await database.close();
    if (databaseUrl) await dropSchema(databaseUrl, schema);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});
