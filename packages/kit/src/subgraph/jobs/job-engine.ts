import type { EntityManager } from "@mikro-orm/core";
import { fromKnex, PgBoss, type Job } from "pg-boss";
import type { Logger } from "pino";

/** A job's payload: a JSON object (pg-boss stores it as `jsonb`). */
export type JobPayload = object;

/** What the engine calls for each job of one queue. */
export interface JobHandlers<Payload extends JobPayload> {
  /** Works one job; a rejection makes the engine retry it (with backoff) or dead-letter it. */
  run(job: Job<Payload>): Promise<void>;
  /** Called once for a job that has no attempt left (its dead-letter copy). */
  bury(job: Job<Payload>): Promise<void>;
}

/** Retry and timing policy of one queue (each subgraph maps its own config onto it). */
export interface JobPolicy {
  /** Attempts per job before it is dead. */
  readonly maxAttempts: number;
  /** First retry delay in seconds; doubled per attempt, with jitter. */
  readonly retryDelaySeconds: number;
  /** Longest retry delay in seconds. */
  readonly retryDelayMaxSeconds: number;
  /** Seconds a job may stay active before its worker counts as dead and it is retried. */
  readonly jobTimeoutSeconds: number;
  /** How often an idle worker looks for jobs, in ms. */
  readonly pollIntervalMs: number;
  /** Jobs worked at once by this process. */
  readonly concurrency: number;
}

/** Options for {@link JobEngine.start}. */
export interface JobEngineOptions<Payload extends JobPayload> {
  /** Root entity manager of the subgraph's database; pg-boss shares its connection pool. */
  readonly em: EntityManager;
  /** Queue name; its dead-letter queue is `<queue>-dead`. */
  readonly queue: string;
  /** Retry and timing policy. */
  readonly policy: JobPolicy;
  /**
   * Work and bury handlers, or a factory given the engine (for handlers whose steps queue
   * further jobs).
   */
  readonly handlers: JobHandlers<Payload> | ((engine: JobEngine<Payload>) => JobHandlers<Payload>);
  /** Process logger. */
  readonly logger: Logger;
  /** Whether this process works jobs (a process may only enqueue). Default true. */
  readonly work?: boolean;
}

/** One job to queue: its id (the idempotency key of the work) and its payload. */
export interface QueuedJob<Payload extends JobPayload> {
  /** Job id; queuing an id twice queues it once. */
  readonly id: string;
  /** Payload handed to the handler. */
  readonly data: Payload;
}

type Knex = Parameters<typeof fromKnex>[0];

/** The dead-letter queue of `queue`. */
export const deadLetterQueueOf = (queue: string): string => `${queue}-dead`;

/**
 * Durable jobs on pg-boss, in the subgraph's own PostgreSQL schema (PGlite in the embedded
 * default). pg-boss goes through MikroORM's connection pool (its knex adapter), so a job is
 * inserted in the same transaction as the rows that cause it ({@link enqueue}), and on PGlite's
 * single connection pg-boss and the ORM never interleave statements.
 *
 * Retries: `maxAttempts` attempts with exponential backoff and jitter from `retryDelaySeconds`
 * up to `retryDelayMaxSeconds`; then the job moves to the dead-letter queue and `bury` runs. A
 * job whose worker died (kill -9) is retried once it has been active for `jobTimeoutSeconds`.
 */
export class JobEngine<Payload extends JobPayload> {
  private constructor(
    private readonly boss: PgBoss,
    private readonly queue: string,
    private readonly logger: Logger,
  ) {}

  /** Installs or migrates pg-boss's tables, creates the queues and starts the workers. */
  static async start<Payload extends JobPayload>(
    options: JobEngineOptions<Payload>,
  ): Promise<JobEngine<Payload>> {
    const { em, queue, policy, logger } = options;
    const connection = em.getConnection();
    const [{ schema }] = await connection.execute<{ schema: string }[]>(
      "select current_schema() as schema",
    );
    const knex = (connection as unknown as { getKnex(): Knex }).getKnex();
    const timeout = policy.jobTimeoutSeconds;
    const boss = new PgBoss({
      db: fromKnex(knex),
      schema,
      // The subgraph's schema exists already (openDatabase); its role may not create schemas
      // (least privilege: compose/postgres/initdb), which `CREATE SCHEMA IF NOT EXISTS` needs.
      createSchema: false,
      // Expired jobs (their worker died) are found by supervision: as often as they can expire.
      superviseIntervalSeconds: Math.min(60, timeout),
      monitorIntervalSeconds: Math.min(60, timeout),
    });
    boss.on("error", (error: Error) => logger.error({ err: error, queue }, "job engine error"));
    await boss.start();
    const deadQueue = deadLetterQueueOf(queue);
    await ensureQueue(boss, deadQueue, { retryLimit: 0 });
    await ensureQueue(boss, queue, {
      retryLimit: policy.maxAttempts - 1,
      retryDelay: policy.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: policy.retryDelayMaxSeconds,
      expireInSeconds: timeout,
      deadLetter: deadQueue,
    });
    const engine = new JobEngine<Payload>(boss, queue, logger);
    const handlers =
      typeof options.handlers === "function" ? options.handlers(engine) : options.handlers;
    if (options.work !== false) {
      const pollingIntervalSeconds = policy.pollIntervalMs / 1000;
      // One fetch takes up to `concurrency` jobs and works them at once; while fetches come back
      // full the worker fetches again at once (a backlog drains without polling delays). Each
      // job is settled on its own: a failed one retries that job only.
      await boss.work<Payload>(
        queue,
        {
          pollingIntervalSeconds,
          batchSize: policy.concurrency,
          burstWhenBatchFull: policy.concurrency > 1,
          perJobResults: true,
        },
        async (jobs) =>
          Promise.all(
            jobs.map(async (job) => {
              try {
                await handlers.run(job);
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
      await boss.work<Payload>(deadQueue, { pollingIntervalSeconds }, async ([job]) =>
        handlers.bury(job),
      );
    }
    return engine;
  }

  /**
   * Queues jobs inside `tx`'s open transaction: they exist if and only if the rows that caused
   * them commit. Queuing an id twice queues it once.
   */
  async enqueue(tx: EntityManager, jobs: readonly QueuedJob<Payload>[]): Promise<void> {
    if (jobs.length === 0) return;
    const trx = tx.getTransactionContext<Knex>();
    if (!trx) throw new Error("JobEngine.enqueue needs an open transaction");
    await this.boss.insert(
      this.queue,
      jobs.map((job) => ({ id: job.id, data: job.data })),
      { db: fromKnex(trx) },
    );
  }

  /**
   * Stops taking jobs and waits up to `timeoutMs` for those running (SIGTERM drain). A job still
   * running then is left active and retried after its timeout by another process.
   */
  async stop(timeoutMs = 8_000): Promise<void> {
    this.logger.info({ queue: this.queue }, "job engine draining");
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
