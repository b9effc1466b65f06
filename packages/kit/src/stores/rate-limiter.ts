/**
 * Rate limiting as a store: the contract, the algorithm shared by both implementations, and
 * the in-memory implementation. The Redis one is in ./rate-limiter-redis.ts.
 *
 * The algorithm is GCRA (the generic cell rate algorithm, a leaky bucket that stores one
 * number per key). A rule of `limit` per `windowMs` admits a burst of `limit` at once and then
 * one more every `windowMs / limit`, so it never admits more than `limit` in any window of
 * `windowMs`, and a caller who stops regains the whole budget after `windowMs`. It was chosen
 * over the alternatives because:
 * - it is exact, unlike a sliding-window counter (which interpolates two fixed windows) and
 *   unlike fixed windows (which admit twice the limit across a window boundary);
 * - its state is one small string per key whatever the limit, unlike a sliding-window log (a
 *   sorted set holding one member per admitted request: 1,200 members for 1,200/min);
 * - consumption commutes with the passage of time, so a reservation can be refunded exactly
 *   later, which is what makes {@link RateLimiter.consumeAll} all-or-nothing without
 *   putting keys of different callers in one Redis Cluster slot.
 *
 * State, in integers only so that nothing rounds: `last`, the time of the last decision in µs,
 * and `debt`, how far the theoretical arrival time is ahead of `last`, in µs × limit. Each unit
 * of cost adds `windowUs`; time pays back `limit` per µs; a decision is allowed when the debt
 * after it is at most `windowUs × limit` (the capacity). The limit is stored too, so that a
 * rule changed by a deployment rescales the debt (keeping the arrival time) instead of
 * misreading it. Both implementations follow this exactly; the shared suite
 * (test/integration/rate-limiter.test.ts) holds them to it.
 */

/** A budget: at most `limit` units of cost in any `windowMs`. */
export interface RateLimitRule {
  /** Units of cost allowed per window; a whole number >= 1. */
  readonly limit: number;
  /** The window in ms; a whole number >= 1. */
  readonly windowMs: number;
}

/** The outcome of one rate-limit decision. */
export interface RateLimitDecision {
  /** Whether the cost was consumed. A refused decision consumes nothing. */
  readonly allowed: boolean;
  /** Units of cost that could still be consumed right now, after this decision. */
  readonly remaining: number;
  /** Ms until the whole limit is available again (0 when nothing is consumed). */
  readonly resetMs: number;
  /** When refused: ms until the same cost would be allowed. 0 when allowed. */
  readonly retryAfterMs: number;
}

/** One budget to check in {@link RateLimiter.consumeAll}. */
export interface RateLimitCheck {
  /** What is limited, e.g. `gateway:ip:203.0.113.7`. */
  readonly key: string;
  /** The budget of that key. */
  readonly rule: RateLimitRule;
  /** Units to consume; a whole number from 0 (a look without consuming) to `rule.limit`. Default 1. */
  readonly cost?: number;
}

/** The result of {@link RateLimiter.consumeAll}: the most restrictive decision. */
export interface RateLimitVerdict extends RateLimitDecision {
  /** Index in the checks of the decision reported (the refusal that waits longest, else the least remaining). */
  readonly index: number;
}

/** Rate limits shared by every replica (Redis) or by one process (memory). */
export interface RateLimiter {
  /**
   * Consumes `cost` (default 1) units of `key`'s budget when they fit, atomically. Rejects
   * with a RangeError for a malformed rule or cost, and with the store's error when it is
   * down: callers must then fail closed.
   */
  consume(key: string, rule: RateLimitRule, cost?: number): Promise<RateLimitDecision>;
  /**
   * Several budgets at once, all or nothing: when any refuses, none is consumed. Answers
   * with the most restrictive decision. On Redis it costs one round trip when everything is
   * allowed and two when something is refused (the second refunds what the first reserved).
   */
  consumeAll(checks: readonly RateLimitCheck[]): Promise<RateLimitVerdict>;
}

/** Stored state of one key: see the module comment. */
export interface RateLimitState {
  /** Time of the last decision, µs since the epoch. */
  readonly last: number;
  /** Theoretical arrival time minus `last`, in µs × `limit`. */
  readonly debt: number;
  /** The limit `debt` was counted with. */
  readonly limit: number;
}

/** A rule and cost checked and converted to the units of {@link decide}. */
export interface CheckedCost {
  readonly limit: number;
  /** The window in µs. */
  readonly windowUs: number;
  readonly cost: number;
}

/**
 * Rejects what Redis and the memory implementation would read differently: fractions, zero
 * limits, costs that can never fit, and windows whose state would not stay an exact integer.
 */
export function checkCost(rule: RateLimitRule, cost = 1): CheckedCost {
  const { limit, windowMs } = rule;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
  if (!Number.isSafeInteger(windowMs) || windowMs < 1)
    throw new RangeError(`windowMs must be an integer >= 1, got ${windowMs}`);
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > limit)
    throw new RangeError(`cost must be an integer from 0 to the limit (${limit}), got ${cost}`);
  const windowUs = windowMs * 1000;
  // The capacity (windowUs × limit) must stay an exact double in Lua and in JavaScript.
  if (windowUs * limit > Number.MAX_SAFE_INTEGER)
    throw new RangeError(`limit × windowMs is too large (${limit} × ${windowMs})`);
  return { limit, windowUs, cost };
}

/** Rejects an empty key; anything else is a valid key. */
export function checkKey(key: string): string {
  if (typeof key !== "string" || key === "")
    throw new RangeError("a rate-limit key must be a non-empty string");
  return key;
}

/** A decision and the state to store after it (null: nothing to keep). */
export interface Decided {
  readonly decision: RateLimitDecision;
  readonly next: RateLimitState | null;
}

/**
 * GCRA as described in the module comment. `refund` gives back a cost reserved earlier (the
 * Redis `consumeAll` path); the Lua script in ./rate-limiter-redis.ts is the same function.
 */
export function decide(
  state: RateLimitState | undefined,
  nowUs: number,
  { limit, windowUs, cost }: CheckedCost,
  refund = false,
): Decided {
  const capacity = windowUs * limit;
  // A clock that went back (a failover to a replica whose clock lags) must not drop debt.
  const last = state === undefined ? nowUs : Math.max(state.last, nowUs);
  let debt = 0;
  if (state !== undefined) {
    debt = state.limit === limit ? state.debt : Math.ceil((state.debt / state.limit) * limit);
    debt = Math.max(0, debt - (last - state.last) * limit);
  }
  let after = refund ? Math.max(0, debt - cost * windowUs) : debt + cost * windowUs;
  let allowed = true;
  let retryAfterMs = 0;
  if (!refund && after > capacity) {
    allowed = false;
    retryAfterMs = Math.ceil((after - capacity) / limit / 1000);
    after = debt;
  }
  const free = capacity - after;
  const decision: RateLimitDecision = {
    allowed,
    // `%` is an exact remainder on doubles, so this is an exact integer division.
    remaining: (free - (free % windowUs)) / windowUs,
    resetMs: Math.ceil(after / limit / 1000),
    retryAfterMs,
  };
  return { decision, next: after > 0 ? { last, debt: after, limit } : null };
}

/** The decision to report for several: the refusal that waits longest, else the least remaining. */
export function mostRestrictive(decisions: readonly RateLimitDecision[]): RateLimitVerdict {
  if (decisions.length === 0) throw new RangeError("consumeAll needs at least one check");
  let index = 0;
  for (let i = 1; i < decisions.length; i++) {
    const best = decisions[index];
    const candidate = decisions[i];
    const worse = !candidate.allowed
      ? best.allowed || candidate.retryAfterMs > best.retryAfterMs
      : best.allowed &&
        (candidate.remaining < best.remaining ||
          (candidate.remaining === best.remaining && candidate.resetMs > best.resetMs));
    if (worse) index = i;
  }
  return { ...decisions[index], index };
}

/** A key's state in {@link MemoryRateLimiter}. */
interface MemoryEntry {
  state: RateLimitState;
  /** Epoch ms after which the state is all paid back and can be dropped. */
  expiresAt: number;
}

/**
 * The in-memory rate limiter: exact and atomic within one process (every decision runs
 * synchronously between awaits). `consumeAll` checks every budget before consuming any.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly entries = new Map<string, MemoryEntry>();

  constructor(
    /** Throws once the owning stores are closed, so a closed limiter fails closed. */
    private readonly assertOpen: () => void,
    /** The clock, in µs since the epoch. */
    private readonly nowUs: () => number = () => Date.now() * 1000,
  ) {}

  async consume(key: string, rule: RateLimitRule, cost?: number): Promise<RateLimitDecision> {
    const { index: _index, ...decision } = this.consumeAllNow([{ key, rule, cost }]);
    return decision;
  }

  async consumeAll(checks: readonly RateLimitCheck[]): Promise<RateLimitVerdict> {
    return this.consumeAllNow(checks);
  }

  /** Drops states whose debt is paid back; lazy expiry keeps decisions right in between. */
  sweep(nowMs = Date.now()): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= nowMs) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private consumeAllNow(checks: readonly RateLimitCheck[]): RateLimitVerdict {
    this.assertOpen();
    const checked = checks.map((check) => ({
      key: checkKey(check.key),
      cost: checkCost(check.rule, check.cost),
    }));
    if (checked.length === 0) throw new RangeError("consumeAll needs at least one check");
    const now = this.nowUs();
    // Decide on a scratch copy (a key may appear twice), then commit only if all allowed.
    const scratch = new Map<string, MemoryEntry | null>();
    const decisions: RateLimitDecision[] = [];
    for (const { key, cost } of checked) {
      const state = scratch.has(key) ? scratch.get(key)?.state : this.read(key, now);
      const { decision, next } = decide(state, now, cost);
      decisions.push(decision);
      // Kept until its debt is paid back, after which a missing key means the same.
      const expiresAt = Math.ceil(now / 1000) + decision.resetMs + 1;
      scratch.set(key, next === null ? null : { state: next, expiresAt });
    }
    const verdict = mostRestrictive(decisions);
    if (verdict.allowed) {
      for (const [key, entry] of scratch) {
        if (entry === null) this.entries.delete(key);
        else this.entries.set(key, entry);
      }
    }
    return verdict;
  }

  private read(key: string, nowUs: number): RateLimitState | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt * 1000 <= nowUs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry?.state;
  }
}
