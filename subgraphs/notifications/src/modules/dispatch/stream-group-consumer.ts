import type { Logger } from "@rampart/kit";
import type { EventStream, StreamEntry } from "@rampart/kit/stores";

/** Options for {@link StreamGroupConsumer}. */
export interface StreamGroupConsumerOptions {
  readonly events: EventStream;
  /** The stream read. */
  readonly stream: string;
  /** The consumer group (one per purpose: each group sees every entry once). */
  readonly group: string;
  /** This process's consumer name; stable across restarts, so its pending entries are re-read. */
  readonly consumer: string;
  /**
   * Handles one entry; the entry is acknowledged once this resolves, so it must commit what it
   * does before. A rejection leaves the entry pending: it is read again after a back-off.
   */
  readonly handle: (entry: StreamEntry) => Promise<void>;
  readonly logger: Logger;
  /** Names the consumer in logs (`alert dispatch`). */
  readonly name: string;
  /** How long one read waits, in ms; bounds how long `stop` takes. Default 1000. */
  readonly blockMs?: number;
}

/**
 * Reads a stream in a consumer group, at least once: first this consumer's pending entries
 * (delivered before a crash, never acknowledged), then new ones; each entry is handled, then
 * acknowledged. A failure backs off (100 ms doubling to 5 s) and re-reads the pending entries,
 * so nothing is acknowledged that was not handled. Handlers make redelivery harmless.
 */
export class StreamGroupConsumer {
  #stopped = false;
  #loop: Promise<void> | null = null;

  constructor(private readonly options: StreamGroupConsumerOptions) {}

  /** Creates the group if missing, then starts reading (pending entries first). */
  async start(): Promise<void> {
    await this.options.events.ensureGroup(this.options.stream, this.options.group);
    this.#loop = this.#run();
  }

  /** Stops after the current read; waits for it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { events, stream, group, consumer, handle, logger, name } = this.options;
    let pending = true;
    let backoffMs = 100;
    while (!this.#stopped) {
      try {
        const entries = await events.readGroup(stream, group, consumer, {
          count: 100,
          blockMs: pending ? 0 : (this.options.blockMs ?? 1000),
          pending,
        });
        if (pending && entries.length === 0) {
          pending = false;
          continue;
        }
        for (const entry of entries) {
          await handle(entry);
          await events.ack(stream, group, [entry.id]);
        }
        backoffMs = 100;
      } catch (error) {
        logger.error({ err: error }, `${name} failed; retrying`);
        pending = true;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }
}
