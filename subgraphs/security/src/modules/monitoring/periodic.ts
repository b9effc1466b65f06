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
  let closed = false;
  let dueAt: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const done = (): IteratorResult<T | ProductionFailure> => ({ done: true, value: undefined });
  const close = () => {
    closed = true;
    clearTimeout(timer);
    timer = undefined;
    wake?.();
  };

  return {
    async next() {
      if (closed) return done();
      const now = Date.now();
      if (dueAt === null) {
        dueAt = now;
      } else {
        dueAt = Math.max(dueAt + intervalMs, now);
        const delayMs = dueAt - now;
        if (delayMs > 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, delayMs);
          });
          timer = undefined;
          wake = undefined;
          if (closed) return done();
        }
      }
      let value: T | ProductionFailure;
      try {
        value = await produce();
      } catch (error) {
        value = new ProductionFailure(error);
      }
      return closed ? done() : { done: false, value };
    },
    return() {
      close();
      return Promise.resolve(done());
    },
    throw(error?: unknown) {
      close();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
