import { periodic, ProductionFailure } from "../../src/modules/monitoring/periodic";

describe("periodic", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("yields at once, then once per interval", async () => {
    let calls = 0;
    const ticks = periodic(5_000, () => Promise.resolve(++calls));
    expect(await ticks.next()).toEqual({ done: false, value: 1 });

    const second = ticks.next();
    await jest.advanceTimersByTimeAsync(4_999);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(await second).toEqual({ done: false, value: 2 });
    await ticks.return?.();
  });

  it("clears its timer on return(), ending a waiting next() and producing nothing more", async () => {
    let calls = 0;
    const ticks = periodic(1_000, () => Promise.resolve(++calls));
    await ticks.next();
    const waiting = ticks.next();
    // The timer is armed once the repeater sees that next() (a few microtasks later).
    await jest.advanceTimersByTimeAsync(0);
    expect(jest.getTimerCount()).toBe(1);
    expect(await ticks.return?.()).toEqual({ done: true, value: undefined });
    expect(jest.getTimerCount()).toBe(0);
    expect(await waiting).toEqual({ done: true, value: undefined });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(1);
    expect(await ticks.next()).toEqual({ done: true, value: undefined });
  });

  it("yields a failure and keeps its schedule", async () => {
    let calls = 0;
    const ticks = periodic(1_000, () =>
      ++calls === 1 ? Promise.reject(new Error("database down")) : Promise.resolve(calls),
    );
    const first = await ticks.next();
    expect(first.value).toBeInstanceOf(ProductionFailure);
    expect((first.value as ProductionFailure).error).toEqual(new Error("database down"));
    const second = ticks.next();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await second).toEqual({ done: false, value: 2 });
    await ticks.return?.();
  });

  it("skips ticks a slow consumer missed instead of bursting", async () => {
    let calls = 0;
    const ticks = periodic(1_000, () => Promise.resolve(++calls));
    await ticks.next();
    await jest.advanceTimersByTimeAsync(3_500);
    // Overdue: produced at once...
    expect(await ticks.next()).toEqual({ done: false, value: 2 });
    // ...and the next one a whole interval later, not three catching up.
    const third = ticks.next();
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(await third).toEqual({ done: false, value: 3 });
    await ticks.return?.();
  });
});
