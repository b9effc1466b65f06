import { RampartError, type SecurityEventRecorder, type Stores } from "@rampart/kit";
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
 * Counts failed second-factor attempts per user and per IP with atomic counters in the shared
 * stores, and locks a user (or IP) out after too many: 15 min, doubling on each repeat, up to
 * 24 h. A locked-out caller gets `TOO_MANY_ATTEMPTS` with the seconds to wait, before any code
 * is looked at.
 */
export class StoreAttemptGuard implements AttemptGuard {
  constructor(
    private readonly stores: Stores,
    private readonly securityEvents: SecurityEventRecorder,
    private readonly policy: AttemptGuardPolicy = defaultAttemptGuardPolicy,
  ) {}

  async assertAllowed(userId: string, ip: string | null): Promise<void> {
    const [userTtl, ipTtl] = await Promise.all([
      this.stores.kv.ttlMs(`2fa:lock:user:${userId}`),
      ip ? this.stores.kv.ttlMs(`2fa:lock:ip:${ip}`) : Promise.resolve(null),
    ]);
    const waitMs = Math.max(userTtl ?? 0, ipTtl ?? 0);
    if (waitMs > 0) {
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
  }

  async recordFailure(userId: string, ip: string | null): Promise<void> {
    const { windowMs } = this.policy;
    const [userFailures, ipFailures] = await Promise.all([
      this.stores.counters.increment(`2fa:fail:user:${userId}`, { ttlMs: windowMs }),
      ip
        ? this.stores.counters.increment(`2fa:fail:ip:${ip}`, { ttlMs: windowMs })
        : Promise.resolve(0),
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
    // Exactly the attempt that reaches the threshold locks; later ones are refused up front.
    if (userFailures === this.policy.maxUserFailures) await this.lock("user", userId, userId, ip);
    if (ip && ipFailures === this.policy.maxIpFailures) await this.lock("ip", ip, userId, ip);
  }

  async recordSuccess(userId: string): Promise<void> {
    await this.stores.counters.reset(`2fa:fail:user:${userId}`);
  }

  private async lock(
    scope: "user" | "ip",
    subject: string,
    userId: string,
    ip: string | null,
  ): Promise<void> {
    const repeats = await this.stores.counters.increment(`2fa:lockouts:${scope}:${subject}`, {
      ttlMs: DAY_MS,
    });
    const lockoutMs = Math.min(
      this.policy.baseLockoutMs * 2 ** (repeats - 1),
      this.policy.maxLockoutMs,
    );
    await this.stores.kv.set(`2fa:lock:${scope}:${subject}`, String(Date.now() + lockoutMs), {
      ttlMs: lockoutMs,
    });
    await this.stores.counters.reset(`2fa:fail:${scope}:${subject}`);
    await this.securityEvents.record({
      type: "two_factor.lockout",
      severity: "high",
      actorId: userId,
      organizationId: null,
      ip,
      reason: `${scope} locked out of second-factor checks for ${Math.round(lockoutMs / 1000)} s (lockout ${repeats} today)`,
      requestId: null,
    });
  }
}
