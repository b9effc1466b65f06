import { Repeater } from "@repeaterjs/repeater";

/** What {@link periodic} yields when producing a value failed this time. */
export class ProductionFailure {
  constructor(
    /** Why (logged by the consumer, never sent to a client). */
    readonly error: unknown,
  ) {}
}

/**
 * An async iterator that produces a value at once, then every `intervalMs` (on a fixed
 * schedule from the first; a slow consumer skips ticks rather than getting a burst). A failed
 * production is yielded as a {@link ProductionFailure} and the schedule goes on, so a
 * subscription outlives a database hiccup. `return()` clears the pending timer and ends a
 * `next()` waiting on it.
 */
export function periodic<T>(
  intervalMs: number,
  produce: () => Promise<T>,
): AsyncIterableIterator<T | ProductionFailure> {
  return new Repeater<T | ProductionFailure>(async (push, stop) => {
    let stopped = false;
    void stop.then(() => (stopped = true));
    for (let dueAt = Date.now(); !stopped;) {
      // Settles when the consumer asks for the next value (or on return()): the wait starts then.
      await push(produce().catch((error: unknown) => new ProductionFailure(error)));
      const now = Date.now();
      dueAt = Math.max(dueAt + intervalMs, now);
      if (dueAt > now) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          stop,
          new Promise((resolve) => (timer = setTimeout(resolve, dueAt - now))),
        ]);
        clearTimeout(timer);
      }
    }
  });
}
