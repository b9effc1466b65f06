import { RampartError, type SecurityEventRecorder } from "@rampart/kit";
import type { Stores } from "@rampart/kit/stores";
import type { AttemptGuard } from "../two-factor/two-factor.service";

/** Thresholds of {@link StoreAttemptGuard}. */
export interface AttemptGuardPolicy {
  /** Failures per user within the window that trigger a lockout. Default 5. */
  maxUserFailures: number;
  /** Failures per IP within the window that trigger a lockout (many users, one source). Default 20. */
  maxIpFailures: number;
  /** Window in which failures are counted. Default 15 min. */
  windowMs: number;
  /** First lockout; each repeat within a day doubles it. Default 15 min. */
  baseLockoutMs: number;
  /** Longest lockout. Default 24 h. */
  maxLockoutMs: number;
}

/** Defaults of {@link AttemptGuardPolicy}. */
export const defaultAttemptGuardPolicy: AttemptGuardPolicy = Object.freeze({
  maxUserFailures: 5,
  maxIpFailures: 20,
  windowMs: 15 * 60_000,
  baseLockoutMs: 15 * 60_000,
  maxLockoutMs: 24 * 3_600_000,
});

const DAY_MS = 24 * 3_600_000;

/**
 * Counts second-factor attempts per user and per IP with atomic counters in the shared stores,
 * and locks a user (or IP) out after too many failures: 15 min, doubling on each repeat, up to
 * 24 h. An attempt is counted before its code is looked at, in one atomic step per counter, so
 * of N attempts sent at once only those within the limit are judged (the rest are refused and
 * lock); a success takes its own attempt back. A locked-out caller gets `TOO_MANY_ATTEMPTS` with
 * the seconds to wait, before any code is looked at.
 */
export class StoreAttemptGuard implements AttemptGuard {
  constructor(
    private readonly stores: Stores,
    private readonly securityEvents: SecurityEventRecorder,
    private readonly policy: AttemptGuardPolicy = defaultAttemptGuardPolicy,
  ) {}

  async assertAllowed(userId: string, ip: string | null): Promise<void> {
    const [userTtl, ipTtl] = await Promise.all([
      this.stores.kv.ttlMs(lockKey("user", userId)),
      ip ? this.stores.kv.ttlMs(lockKey("ip", ip)) : Promise.resolve(null),
    ]);
    const waitMs = Math.max(userTtl ?? 0, ipTtl ?? 0);
    if (waitMs > 0) return this.refuseLocked(userId, ip, waitMs);
    const { windowMs, maxUserFailures, maxIpFailures } = this.policy;
    const [userAttempts, ipAttempts] = await Promise.all([
      this.stores.counters.increment(attemptsKey("user", userId), { ttlMs: windowMs }),
      ip
        ? this.stores.counters.increment(attemptsKey("ip", ip), { ttlMs: windowMs })
        : Promise.resolve(0),
    ]);
    // Past the limit: attempts that raced the ones still being judged.
    const lockedFor = Math.max(
      userAttempts > maxUserFailures ? await this.lock("user", userId, userId, ip) : 0,
      ip && ipAttempts > maxIpFailures ? await this.lock("ip", ip, userId, ip) : 0,
    );
    if (lockedFor > 0) return this.refuseLocked(userId, ip, lockedFor);
  }

  async recordFailure(userId: string, ip: string | null): Promise<void> {
    // Counted already (assertAllowed); read back for the event and the threshold.
    const [userFailures, ipFailures] = await Promise.all([
      this.stores.counters.get(attemptsKey("user", userId)),
      ip ? this.stores.counters.get(attemptsKey("ip", ip)) : Promise.resolve(0),
    ]);
    await this.securityEvents.record({
      type: "two_factor.failed",
      severity: "low",
      actorId: userId,
      organizationId: null,
      ip,
      reason: `failed second-factor attempt (${userFailures} in window)`,
      requestId: null,
    });
    if (userFailures >= this.policy.maxUserFailures) await this.lock("user", userId, userId, ip);
    if (ip && ipFailures >= this.policy.maxIpFailures) await this.lock("ip", ip, userId, ip);
  }

  async recordSuccess(userId: string, ip: string | null): Promise<void> {
    // The user proved the factor: their count starts again. The IP's keeps its failures only.
    await Promise.all([
      this.stores.counters.reset(attemptsKey("user", userId)),
      ip ? this.stores.counters.increment(attemptsKey("ip", ip), { by: -1 }) : undefined,
    ]);
  }

  private async refuseLocked(userId: string, ip: string | null, waitMs: number): Promise<never> {
    await this.securityEvents.record({
      type: "two_factor.locked_out_attempt",
      severity: "medium",
      actorId: userId,
      organizationId: null,
      ip,
      reason: "second-factor attempt while locked out",
      requestId: null,
    });
    throw RampartError.tooManyAttempts(Math.ceil(waitMs / 1000));
  }

  /**
   * Locks `subject` out, once however many attempts reach the threshold together; the lockout's
   * length in ms (of the lock already set, when another attempt set it).
   */
  private async lock(
    scope: "user" | "ip",
    subject: string,
    userId: string,
    ip: string | null,
  ): Promise<number> {
    const key = lockKey(scope, subject);
    const { baseLockoutMs, maxLockoutMs } = this.policy;
    if (!(await this.stores.kv.set(key, "locking", { ttlMs: baseLockoutMs, onlyIfAbsent: true })))
      return (await this.stores.kv.ttlMs(key)) ?? baseLockoutMs;
    const repeats = await this.stores.counters.increment(`2fa:lockouts:${scope}:${subject}`, {
      ttlMs: DAY_MS,
    });
    const lockoutMs = Math.min(baseLockoutMs * 2 ** (repeats - 1), maxLockoutMs);
    await this.stores.kv.set(key, String(Date.now() + lockoutMs), { ttlMs: lockoutMs });
    await this.stores.counters.reset(attemptsKey(scope, subject));
    await this.securityEvents.record({
      type: "two_factor.lockout",
      severity: "high",
      actorId: userId,
      organizationId: null,
      ip,
      reason: `${scope} locked out of second-factor checks for ${Math.round(lockoutMs / 1000)} s (lockout ${repeats} today)`,
      requestId: null,
    });
    return lockoutMs;
  }
}

const lockKey = (scope: "user" | "ip", subject: string) => `2fa:lock:${scope}:${subject}`;
/** Attempts in the window, each counted before it is judged; failures stay counted. */
const attemptsKey = (scope: "user" | "ip", subject: string) => `2fa:fail:${scope}:${subject}`;
