import type { EntityManager } from "@mikro-orm/core";
import type { Logger } from "@rampart/kit";
import { deadLetterQueueOf, JobEngine, type JobPolicy } from "@rampart/kit/subgraph";
import type { Job } from "pg-boss";
import type { DeliveryConfig } from "./delivery.config";

/** pg-boss queue of deliveries to send. */
export const DELIVERY_QUEUE = "delivery";
/** pg-boss dead-letter queue: deliveries whose last attempt failed land here. */
export const DEAD_DELIVERY_QUEUE = deadLetterQueueOf(DELIVERY_QUEUE);

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

/** The `DELIVERY_*` settings as the kit job engine's policy. */
export const deliveryPolicyOf = (config: DeliveryConfig): JobPolicy => ({
  maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
  retryDelaySeconds: config.DELIVERY_RETRY_DELAY_SECONDS,
  retryDelayMaxSeconds: config.DELIVERY_RETRY_DELAY_MAX_SECONDS,
  jobTimeoutSeconds: config.DELIVERY_JOB_TIMEOUT_SECONDS,
  pollIntervalMs: config.DELIVERY_POLL_INTERVAL_MS,
  concurrency: config.DELIVERY_CONCURRENCY,
});

/**
 * Durable delivery jobs: the kit's {@link JobEngine} (pg-boss over the subgraph's database) on
 * the {@link DELIVERY_QUEUE}, with the `DELIVERY_*` retry policy. The job id is the delivery id.
 */
export class DeliveryEngine {
  private constructor(private readonly jobs: JobEngine<DeliveryJob>) {}

  /** Installs or migrates pg-boss's tables, creates the queues and starts the workers. */
  static async start(options: DeliveryEngineOptions): Promise<DeliveryEngine> {
    const { handlers } = options;
    const jobs = await JobEngine.start<DeliveryJob>({
      em: options.em,
      queue: DELIVERY_QUEUE,
      policy: deliveryPolicyOf(options.config),
      handlers: { run: (job) => handlers.send(job), bury: (job) => handlers.bury(job) },
      logger: options.logger,
      work: options.work,
    });
    return new DeliveryEngine(jobs);
  }

  /**
   * Queues deliveries inside `tx`'s open transaction: the jobs exist if and only if the rows
   * that caused them commit. The job id is the delivery id, so queuing twice queues once.
   */
  enqueue(tx: EntityManager, deliveryIds: readonly string[]): Promise<void> {
    return this.jobs.enqueue(
      tx,
      deliveryIds.map((deliveryId) => ({ id: deliveryId, data: { deliveryId } })),
    );
  }

  /** Stops taking jobs and waits up to `timeoutMs` for those running (SIGTERM drain). */
  stop(timeoutMs?: number): Promise<void> {
    return this.jobs.stop(timeoutMs);
  }
}
