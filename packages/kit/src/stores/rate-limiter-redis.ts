/**
 * The Redis rate limiter: GCRA (see ./rate-limiter.ts) as one Lua script per key, so every
 * decision is one atomic round trip (EVALSHA) on the Redis clock, shared by every replica.
 */
import type Redis from "ioredis";
import {
  checkCost,
  checkKey,
  mostRestrictive,
  type CheckedCost,
  type RateLimitCheck,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRule,
  type RateLimitVerdict,
} from "./rate-limiter";

/**
 * `decide()` of ./rate-limiter.ts in Lua, on one key: `KEYS[1]` holds `last:debt:limit`.
 * ARGV: limit, window in µs, cost, and 1 to refund a reservation instead of consuming.
 * The clock is Redis's (`TIME`), so gateways with skewed clocks still share one limit; a
 * refusal writes nothing, so a flood of refused requests costs one read each.
 * Numbers are formatted with `%.0f` because Lua's tostring keeps only 14 digits.
 */
const RATE_LIMIT_SCRIPT = `
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local refund = ARGV[4] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local capacity = window * limit
local last = now
local debt = 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local storedLast, storedDebt, storedLimit = string.match(stored, '^(%d+):(%d+):(%d+)$')
  if not storedLast then
    return redis.error_reply('ERR rate-limit state of ' .. KEYS[1] .. ' is malformed')
  end
  storedLast = tonumber(storedLast)
  storedDebt = tonumber(storedDebt)
  storedLimit = tonumber(storedLimit)
  last = math.max(storedLast, now)
  if storedLimit == limit then
    debt = storedDebt
  else
    debt = math.ceil(storedDebt / storedLimit * limit)
  end
  debt = math.max(0, debt - (last - storedLast) * limit)
end
local allowed = 1
local retry = 0
local after
if refund then
  after = math.max(0, debt - cost * window)
else
  after = debt + cost * window
  if after > capacity then
    allowed = 0
    retry = math.ceil((after - capacity) / limit / 1000)
    after = debt
  end
end
local free = capacity - after
local remaining = (free - math.fmod(free, window)) / window
local reset = math.ceil(after / limit / 1000)
if allowed == 1 then
  if after > 0 then
    redis.call('SET', KEYS[1], string.format('%.0f:%.0f:%.0f', last, after, limit), 'PX', reset + 1)
  elseif stored then
    redis.call('DEL', KEYS[1])
  end
end
return {allowed, remaining, reset, retry}`;

/** Reply of the script: allowed (1/0), remaining, reset ms, retry-after ms. */
type RateLimitReply = [allowed: number, remaining: number, resetMs: number, retryAfterMs: number];

/** A connection on which {@link defineRateLimitCommand} was called. */
export interface RateLimitConnection {
  rampartRateLimit(
    key: string,
    limit: number,
    windowUs: number,
    cost: number,
    refund: 0 | 1,
  ): Promise<RateLimitReply>;
}

/** Defines the script on a connection; ioredis then runs it by EVALSHA (EVAL once if missing). */
export function defineRateLimitCommand(connection: Redis): void {
  connection.defineCommand("rampartRateLimit", { numberOfKeys: 1, lua: RATE_LIMIT_SCRIPT });
}

/**
 * The Redis key of a rate-limit key: the whole name in one hash tag, `<prefix>{rl:<key>}`.
 * Each script touches one key, so it runs on Redis Cluster; the tag keeps the key's slot the
 * same whatever the prefix (which REDIS_KEY_PREFIX keeps free of braces).
 */
export function rateLimitRedisKey(prefix: string, key: string): string {
  return `${prefix}{rl:${key}}`;
}

/**
 * GCRA on Redis. `consume` is one script on one key. `consumeAll` runs one script per key,
 * all sent at once (one round trip): per-IP and per-user keys cannot share a Cluster slot
 * without sharing one hash tag, which would put every limit of the platform on one shard. It
 * is all-or-nothing by refunding: when any key refuses, a second round trip gives back what
 * the others reserved. GCRA refunds exactly (consumption commutes with time), so afterwards
 * it is as if nothing was consumed. In between, a concurrent request may see the reservation
 * and be refused: contention can make the limiter stricter for a moment, never looser.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly connection: RateLimitConnection,
    private readonly prefix: string,
  ) {}

  async consume(key: string, rule: RateLimitRule, cost?: number): Promise<RateLimitDecision> {
    return this.run(rateLimitRedisKey(this.prefix, checkKey(key)), checkCost(rule, cost), 0);
  }

  async consumeAll(checks: readonly RateLimitCheck[]): Promise<RateLimitVerdict> {
    const checked = checks.map((check) => ({
      name: rateLimitRedisKey(this.prefix, checkKey(check.key)),
      cost: checkCost(check.rule, check.cost),
    }));
    if (checked.length === 0) throw new RangeError("consumeAll needs at least one check");
    if (checked.length === 1)
      return { ...(await this.run(checked[0].name, checked[0].cost, 0)), index: 0 };
    const decisions: (RateLimitDecision | undefined)[] = [];
    let failure: { error: unknown } | undefined;
    await Promise.all(
      checked.map(({ name, cost }, i) =>
        this.run(name, cost, 0).then(
          (decision) => void (decisions[i] = decision),
          (error: unknown) => void (failure ??= { error }),
        ),
      ),
    );
    if (failure !== undefined || decisions.some((decision) => !decision?.allowed)) {
      // A refund that fails (Redis went down) leaves a reservation that expires with its
      // window: stricter, never looser, so the verdict stands.
      await Promise.allSettled(
        checked
          .filter(({ cost }, i) => decisions[i]?.allowed && cost.cost > 0)
          .map(({ name, cost }) => this.run(name, cost, 1)),
      );
      if (failure !== undefined) throw failure.error;
    }
    return mostRestrictive(decisions as RateLimitDecision[]);
  }

  private async run(name: string, cost: CheckedCost, refund: 0 | 1): Promise<RateLimitDecision> {
    const [allowed, remaining, resetMs, retryAfterMs] = await this.connection.rampartRateLimit(
      name,
      cost.limit,
      cost.windowUs,
      cost.cost,
      refund,
    );
    return { allowed: allowed === 1, remaining, resetMs, retryAfterMs };
  }
}
