import type { EntityManager } from "@mikro-orm/core";
import type { Logger } from "@rampart/kit";
import { fromKnex, PgBoss, type Job } from "pg-boss";
import type { DeliveryConfig } from "./delivery.config";

/** pg-boss queue of deliveries to send. */
export const DELIVERY_QUEUE = "delivery";
/** pg-boss dead-letter queue: deliveries whose last attempt failed land here. */
export const DEAD_DELIVERY_QUEUE = "delivery-dead";

/** A job's payload: which delivery to send. */
export interface DeliveryJob {
  readonly deliveryId: string;
}

/** What the engine calls for each job. */
export interface DeliveryHandlers {
  /** Sends one delivery; a rejection makes pg-boss retry it (with backoff) or dead-letter it. */
  send(job: Job<DeliveryJob>): Promise<void>;
  /** Called once for a delivery that has no attempt left. */
  bury(job: Job<DeliveryJob>): Promise<void>;
}

/** Options for {@link DeliveryEngine.start}. */
export interface DeliveryEngineOptions {
  /** Root entity manager of the subgraph's database; pg-boss shares its connection pool. */
  readonly em: EntityManager;
  readonly config: DeliveryConfig;
  readonly handlers: DeliveryHandlers;
  readonly logger: Logger;
  /** Whether this process works jobs (a process may only enqueue). Default true. */
  readonly work?: boolean;
}

type Knex = Parameters<typeof fromKnex>[0];

/**
 * Durable delivery jobs on pg-boss, in the subgraph's own PostgreSQL schema (PGlite in the
 * embedded default). pg-boss goes through MikroORM's connection pool (its knex adapter), so a job
 * is inserted in the same transaction as the rows that cause it ({@link enqueue}), and on PGlite's
 * single connection pg-boss and the ORM never interleave statements.
 *
 * Retries: `DELIVERY_MAX_ATTEMPTS` attempts with exponential backoff and jitter from
 * `DELIVERY_RETRY_DELAY_SECONDS` up to `DELIVERY_RETRY_DELAY_MAX_SECONDS`; then the job moves to
 * {@link DEAD_DELIVERY_QUEUE}. A job whose worker died (kill -9) is retried once it has been
 * active for `DELIVERY_JOB_TIMEOUT_SECONDS`.
 */
export class DeliveryEngine {
  private constructor(
    private readonly boss: PgBoss,
    private readonly logger: Logger,
  ) {}

  /** Installs or migrates pg-boss's tables, creates the queues and starts the workers. */
  static async start(options: DeliveryEngineOptions): Promise<DeliveryEngine> {
    const { em, config, handlers, logger } = options;
    const connection = em.getConnection();
    const [{ schema }] = await connection.execute<{ schema: string }[]>(
      "select current_schema() as schema",
    );
    const knex = (connection as unknown as { getKnex(): Knex }).getKnex();
    const timeout = config.DELIVERY_JOB_TIMEOUT_SECONDS;
    const boss = new PgBoss({
      db: fromKnex(knex),
      schema,
      // Expired jobs (their worker died) are found by supervision: as often as they can expire.
      superviseIntervalSeconds: Math.min(60, timeout),
      monitorIntervalSeconds: Math.min(60, timeout),
    });
    boss.on("error", (error: Error) => logger.error({ err: error }, "delivery engine error"));
    await boss.start();
    await ensureQueue(boss, DEAD_DELIVERY_QUEUE, { retryLimit: 0 });
    await ensureQueue(boss, DELIVERY_QUEUE, {
      retryLimit: config.DELIVERY_MAX_ATTEMPTS - 1,
      retryDelay: config.DELIVERY_RETRY_DELAY_SECONDS,
      retryBackoff: true,
      retryDelayMax: config.DELIVERY_RETRY_DELAY_MAX_SECONDS,
      expireInSeconds: timeout,
      deadLetter: DEAD_DELIVERY_QUEUE,
    });
    const engine = new DeliveryEngine(boss, logger);
    if (options.work !== false) {
      const pollingIntervalSeconds = config.DELIVERY_POLL_INTERVAL_MS / 1000;
      // One fetch takes up to DELIVERY_CONCURRENCY jobs and sends them at once; while fetches come
      // back full the worker fetches again at once (a backlog drains without polling delays).
      // Each job is settled on its own: a failed send retries that job only.
      await boss.work<DeliveryJob>(
        DELIVERY_QUEUE,
        {
          pollingIntervalSeconds,
          batchSize: config.DELIVERY_CONCURRENCY,
          burstWhenBatchFull: config.DELIVERY_CONCURRENCY > 1,
          perJobResults: true,
        },
        async (jobs) =>
          Promise.all(
            jobs.map(async (job) => {
              try {
                await handlers.send(job);
                return { id: job.id, status: "completed" as const };
              } catch (error) {
                return {
                  id: job.id,
                  status: "failed" as const,
                  output: { message: (error as Error).message },
                };
              }
            }),
          ),
      );
      await boss.work<DeliveryJob>(DEAD_DELIVERY_QUEUE, { pollingIntervalSeconds }, async ([job]) =>
        handlers.bury(job),
      );
    }
    return engine;
  }

  /**
   * Queues deliveries inside `tx`'s open transaction: the jobs exist if and only if the rows
   * that caused them commit. The job id is the delivery id, so queuing twice queues once.
   */
  async enqueue(tx: EntityManager, deliveryIds: readonly string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const trx = tx.getTransactionContext<Knex>();
    if (!trx) throw new Error("DeliveryEngine.enqueue needs an open transaction");
    await this.boss.insert(
      DELIVERY_QUEUE,
      deliveryIds.map((deliveryId) => ({ id: deliveryId, data: { deliveryId } })),
      { db: fromKnex(trx) },
    );
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for those running (SIGTERM drain). A job still
   * running then is left active and retried after its timeout by another process.
   */
  async stop(timeoutMs = 8_000): Promise<void> {
    this.logger.info("delivery engine draining");
    await this.boss.stop({ graceful: true, close: false, timeout: timeoutMs });
  }
}

async function ensureQueue(
  boss: PgBoss,
  name: string,
  options: Parameters<PgBoss["createQueue"]>[1],
): Promise<void> {
  if (await boss.getQueue(name)) {
    const { deadLetter: _deadLetter, retryDelayMax: _max, ...updatable } = options ?? {};
    await boss.updateQueue(name, updatable);
  } else {
    await boss.createQueue(name, options);
  }
}
