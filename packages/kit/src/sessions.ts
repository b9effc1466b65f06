import { RampartError } from "./errors";
import { SecurityLevel } from "./identity";
import type { Stores } from "./stores/types";

/** A platform session, keyed by the Clerk session id (`sid`). */
export interface PlatformSession {
  /** Clerk session id. */
  readonly id: string;
  readonly userId: string;
  /** Active organization at the last request. */
  organizationId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of the last request (kept to within {@link TOUCH_INTERVAL_MS}). */
  lastSeenAt: number;
  /** Epoch ms of the last second-factor verification; null until one, or after an IP change. */
  secondFactorAt: number | null;
  /** Client IP the session is bound to. */
  ip: string;
  userAgent: string | null;
  /** Epoch ms of revocation or expiry; a session that has it is refused for good. */
  revokedAt: number | null;
  /** Why it ended. */
  endReason: string | null;
  /**
   * Bumped whenever what the session is bound to changes (its IP, its end). A second factor
   * is stamped only on the version the verifying request saw, so a request from another IP
   * that moves the session in between cannot receive the stamp. Sessions stored before
   * versioning read as 0.
   */
  version: number;
}

/** What a request saw of its session when it was admitted; a level change must still match it. */
export interface SessionBinding {
  /** The IP the session was bound to. */
  readonly ip: string;
  /** {@link PlatformSession.version} at admission. */
  readonly version: number;
}

/** How long sessions live and how long a step-up lasts. */
export interface SessionPolicy {
  /** Inactivity after which the caller must sign in again. Default 30 min. */
  idleTimeoutMs: number;
  /** Lifetime after which the caller must sign in again. Default 12 h. */
  absoluteTimeoutMs: number;
  /** How long a second-factor verification counts as recent (level 3). Default 10 min. */
  stepUpWindowMs: number;
}

/** Defaults of {@link SessionPolicy}. */
export const defaultSessionPolicy: SessionPolicy = Object.freeze({
  idleTimeoutMs: 30 * 60_000,
  absoluteTimeoutMs: 12 * 3_600_000,
  stepUpWindowMs: 10 * 60_000,
});

/** Channel announcing revocations, so live connections close on every replica. */
export const SESSION_REVOKED_CHANNEL = "session-revoked";
/**
 * How long an ended session is remembered, so its `sid` cannot start a fresh session: at least
 * Clerk's longest session lifetime (7 days by default).
 */
export const ENDED_SESSION_RETENTION_MS = 7 * 24 * 3_600_000;
/** lastSeenAt is written at most this often, to keep reads cheap. */
export const TOUCH_INTERVAL_MS = 15_000;
/**
 * Compare-and-set attempts before a session change gives up (fails closed, 503). Each round of
 * conflicting writers has one winner, so this many concurrent writes to one session (a touch
 * is skipped on retry when another request just made it) always succeed.
 */
const MAX_WRITE_ATTEMPTS = 16;

/** The outcome of resuming a session on a request. */
export type SessionResumption =
  | {
      readonly ok: true;
      readonly session: PlatformSession;
      readonly level: SecurityLevel;
      readonly ipChanged: boolean;
      readonly created: boolean;
    }
  | {
      readonly ok: false;
      readonly reason:
        | "session-revoked"
        | "session-expired-idle"
        | "session-expired-absolute"
        | "session-user-mismatch";
    };

const sessionKey = (id: string) => `session:${id}`;
const userIndexKey = (userId: string) => `user-sessions:${userId}`;
const userRevokedBeforeKey = (userId: string) => `sessions-revoked-before:user:${userId}`;
const allRevokedBeforeKey = "sessions-revoked-before:all";
/**
 * Index of every session started and not yet seen ended, for {@link SessionStore.countActive}.
 * Sessions that expire or are revoked in bulk stay in it until the next count prunes them.
 */
const liveSessionsKey = "live-sessions";

/** A session's stored record, its user's and everyone's latest bulk revocation (raw values). */
export type SessionRead = [
  stored: string | null,
  userRevokedBefore: string | null,
  allRevokedBefore: string | null,
];

/**
 * Platform sessions in the shared stores (Redis in production): one read per request. Every
 * write is a compare-and-set on the exact record read, so no write is based on a stale read:
 * a revocation, an IP change or a second-factor stamp that lands between another request's
 * read and write makes that write fail, and it reads again.
 */
export class SessionStore {
  constructor(
    private readonly stores: Stores,
    private readonly policy: SessionPolicy = defaultSessionPolicy,
  ) {}

  /** The session's security level now: the step-up decays to a plain second factor. */
  levelOf(session: PlatformSession, now = Date.now()): SecurityLevel {
    if (session.secondFactorAt === null) return SecurityLevel.SignedIn;
    return now - session.secondFactorAt <= this.policy.stepUpWindowMs
      ? SecurityLevel.StepUp
      : SecurityLevel.SecondFactor;
  }

  /**
   * Resumes (or starts) the session a verified token names, for a request from `ip`. A session
   * whose IP changed drops to level 1. Refuses revoked, expired or foreign sessions.
   */
  async resume(
    claims: {
      sessionId: string;
      userId: string;
      organizationId: string | null;
      /** When the user signed in (Clerk's `fva`), epoch ms, when the token says. */
      firstFactorAt?: number | null;
    },
    request: { ip: string; userAgent: string | null },
    at?: number,
    /** {@link read} of this session, started earlier (alongside the rate-limit decision). */
    prefetched?: Promise<SessionRead>,
  ): Promise<SessionResumption> {
    const now = at ?? Date.now();
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const [stored, userRevokedBefore, allRevokedBefore] =
        attempt === 0 && prefetched !== undefined
          ? await prefetched
          : await this.read(claims.sessionId, claims.userId);
      const revokedBefore = latestOf(userRevokedBefore, allRevokedBefore);
      if (stored === null) {
        // The stores' clock, which bulk revocations use too: a replica's skew cannot carry a
        // session started before `revokeAll` past it.
        const startedAt = at ?? (await this.stores.time());
        // A sign-in from before a bulk revocation that no replica had seen yet (Clerk keeps
        // refreshing its tokens): ended on sight, for good. `fva` counts whole minutes back
        // from `iat` (whole seconds), so the time read is at most a minute later than the
        // sign-in, never earlier than a second before it: a sign-in in the minute before the
        // revocation may pass; one after it is never refused.
        const signedInBefore =
          claims.firstFactorAt !== undefined &&
          claims.firstFactorAt !== null &&
          claims.firstFactorAt + 1_000 <= revokedBefore;
        const session: PlatformSession = {
          id: claims.sessionId,
          userId: claims.userId,
          organizationId: claims.organizationId,
          createdAt: startedAt,
          lastSeenAt: startedAt,
          secondFactorAt: null,
          ip: request.ip,
          userAgent: request.userAgent,
          revokedAt: signedInBefore ? startedAt : null,
          endReason: signedInBefore ? "revoked" : null,
          version: 1,
        };
        // Two first requests of one session race to create it: the loser resumes the winner's.
        if (!(await this.write(null, session, now))) continue;
        if (signedInBefore) return { ok: false, reason: "session-revoked" };
        // Every member of either set is past its absolute timeout once the set's TTL runs out.
        const indexed = { ttlMs: this.policy.absoluteTimeoutMs };
        await Promise.all([
          this.stores.sets.add(userIndexKey(session.userId), [session.id], indexed),
          this.stores.sets.add(liveSessionsKey, [session.id], indexed),
        ]);
        return {
          ok: true,
          session,
          level: SecurityLevel.SignedIn,
          ipChanged: false,
          created: true,
        };
      }
      const session = parseSession(stored);
      if (session.userId !== claims.userId) return { ok: false, reason: "session-user-mismatch" };
      const ended =
        session.revokedAt !== null
          ? ("session-revoked" as const)
          : session.createdAt <= revokedBefore
            ? ("session-revoked" as const)
            : now - session.createdAt > this.policy.absoluteTimeoutMs
              ? ("session-expired-absolute" as const)
              : now - session.lastSeenAt > this.policy.idleTimeoutMs
                ? ("session-expired-idle" as const)
                : null;
      if (ended !== null) {
        if (session.revokedAt === null) {
          const reason = ended === "session-revoked" ? "revoked" : ended.replace("session-", "");
          await this.endRecord(stored, session, reason, now);
        }
        return { ok: false, reason: ended };
      }
      const ipChanged = session.ip !== request.ip;
      const organizationChanged = session.organizationId !== claims.organizationId;
      if (!ipChanged && !organizationChanged && now - session.lastSeenAt < TOUCH_INTERVAL_MS) {
        return { ok: true, session, level: this.levelOf(session, now), ipChanged, created: false };
      }
      const next: PlatformSession = {
        ...session,
        organizationId: claims.organizationId,
        lastSeenAt: now,
        ...(ipChanged
          ? { ip: request.ip, secondFactorAt: null, version: session.version + 1 }
          : {}),
      };
      if (await this.write(stored, next, now)) {
        return {
          ok: true,
          session: next,
          level: this.levelOf(next, now),
          ipChanged,
          created: false,
        };
      }
    }
    throw RampartError.unavailable("The session store");
  }

  /**
   * Records a verified second factor: the session is at level 3 for the step-up window. Only
   * if the session is still bound as `seen` (same IP, same version) when the stamp is written;
   * null when it is not, or has ended.
   */
  async markSecondFactor(
    sessionId: string,
    seen: SessionBinding,
    now = Date.now(),
  ): Promise<PlatformSession | null> {
    const { session } = await this.change(sessionId, now, (current) =>
      current.revokedAt !== null || current.ip !== seen.ip || current.version !== seen.version
        ? { keep: null }
        : { write: { ...current, secondFactorAt: now, lastSeenAt: now } },
    );
    return session;
  }

  /**
   * The session's record and the bulk revocations that may cover it, in one round trip. A
   * read writes nothing, so a caller may start it before its budget is decided (the two then
   * share a round trip) and hand it to {@link resume}, which reads again to retry a write.
   */
  read(sessionId: string, userId: string): Promise<SessionRead> {
    return this.stores.kv.getMany([
      sessionKey(sessionId),
      userRevokedBeforeKey(userId),
      allRevokedBeforeKey,
    ]) as Promise<SessionRead>;
  }

  /**
   * Whether a session is still usable, without touching it: not ended, not covered by a bulk
   * revocation, within its timeouts. One round trip.
   */
  async isUsable(sessionId: string, userId: string, now = Date.now()): Promise<boolean> {
    const [stored, userRevokedBefore, allRevokedBefore] = await this.read(sessionId, userId);
    if (stored === null) return false;
    const session = parseSession(stored);
    const revokedBefore = latestOf(userRevokedBefore, allRevokedBefore);
    return session.userId === userId && this.isLive(session, revokedBefore, now);
  }

  /** One session, or null. */
  async get(sessionId: string): Promise<PlatformSession | null> {
    const stored = await this.stores.kv.get(sessionKey(sessionId));
    return stored === null ? null : parseSession(stored);
  }

  /** A user's sessions that are still usable, newest first. */
  async listForUser(userId: string, now = Date.now()): Promise<PlatformSession[]> {
    const ids = await this.stores.sets.members(userIndexKey(userId));
    const stored = await this.stores.kv.getMany(ids.map(sessionKey));
    const [userRevokedBefore, allRevokedBefore] = await this.stores.kv.getMany([
      userRevokedBeforeKey(userId),
      allRevokedBeforeKey,
    ]);
    const revokedBefore = latestOf(userRevokedBefore, allRevokedBefore);
    const sessions = stored.flatMap((value) => (value === null ? [] : [parseSession(value)]));
    const gone = ids.filter((_, index) => stored[index] === null);
    if (gone.length > 0) await this.stores.sets.remove(userIndexKey(userId), gone);
    return sessions
      .filter((s) => this.isLive(s, revokedBefore, now))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * How many sessions are usable now, on every replica: three round trips whatever the
   * count, reading each indexed session once (O(sessions started within the absolute
   * timeout and not yet seen ended)). Prunes the sessions it finds ended from the index.
   */
  async countActive(now = Date.now()): Promise<number> {
    const ids = await this.stores.sets.members(liveSessionsKey);
    if (ids.length === 0) return 0;
    const stored = await this.stores.kv.getMany(ids.map(sessionKey));
    const sessions = stored.map((value) => (value === null ? null : parseSession(value)));
    const userIds = [...new Set(sessions.flatMap((s) => (s === null ? [] : [s.userId])))];
    const [allRevokedBefore, ...userRevokedBefore] = await this.stores.kv.getMany([
      allRevokedBeforeKey,
      ...userIds.map(userRevokedBeforeKey),
    ]);
    const revokedBeforeOf = new Map(
      userIds.map((userId, index) => [
        userId,
        latestOf(userRevokedBefore[index], allRevokedBefore),
      ]),
    );
    const ended = ids.filter((_, index) => {
      const session = sessions[index];
      return (
        session === null || !this.isLive(session, revokedBeforeOf.get(session.userId) ?? 0, now)
      );
    });
    if (ended.length > 0) await this.stores.sets.remove(liveSessionsKey, ended);
    return ids.length - ended.length;
  }

  /** Ends one session at once, on every replica. */
  async revoke(
    sessionId: string,
    reason = "revoked",
    now = Date.now(),
  ): Promise<PlatformSession | null> {
    const { session, written } = await this.change(sessionId, now, (current) =>
      current.revokedAt !== null ? { keep: current } : { write: endedRecord(current, reason, now) },
    );
    if (written && session) await this.announceEnd(session);
    return session;
  }

  /** Ends every session of a user that exists now (the stores' clock, as sessions start by). */
  async revokeUser(userId: string, now?: number): Promise<void> {
    const at = now ?? (await this.stores.time());
    await this.stores.kv.set(userRevokedBeforeKey(userId), String(at), {
      ttlMs: this.policy.absoluteTimeoutMs,
    });
    await this.stores.pubsub.publish(SESSION_REVOKED_CHANNEL, JSON.stringify({ userId }));
  }

  /** Ends every session that exists now (the stores' clock, as sessions start by). */
  async revokeAll(now?: number): Promise<void> {
    const at = now ?? (await this.stores.time());
    await this.stores.kv.set(allRevokedBeforeKey, String(at), {
      ttlMs: this.policy.absoluteTimeoutMs,
    });
    await this.stores.pubsub.publish(SESSION_REVOKED_CHANNEL, JSON.stringify({ all: true }));
  }

  /** Whether a session is usable at `now`, given the latest bulk revocation that covers it. */
  private isLive(session: PlatformSession, revokedBefore: number, now: number): boolean {
    return (
      session.revokedAt === null &&
      session.createdAt > revokedBefore &&
      now - session.createdAt <= this.policy.absoluteTimeoutMs &&
      now - session.lastSeenAt <= this.policy.idleTimeoutMs
    );
  }

  /**
   * Ends the session read as `stored`, unless it changed since; false when another write came
   * first. An ended session is never rewritten as live: every writer compares with the record
   * it read, and this one is the last.
   */
  private async endRecord(
    stored: string,
    session: PlatformSession,
    reason: string,
    now: number,
  ): Promise<boolean> {
    const ended = endedRecord(session, reason, now);
    if (!(await this.write(stored, ended, now))) return false;
    await this.announceEnd(ended);
    return true;
  }

  /** Drops an ended session from the live index and tells every replica (sockets close). */
  private async announceEnd(session: PlatformSession): Promise<void> {
    await this.stores.sets.remove(liveSessionsKey, [session.id]);
    await this.stores.pubsub.publish(
      SESSION_REVOKED_CHANNEL,
      JSON.stringify({ sessionId: session.id }),
    );
  }

  /**
   * One compare-and-set change of a stored session: `decide` sees the current record and
   * returns the record to write, or one to answer with unwritten (`keep`). Reads again after a
   * concurrent write; fails closed (503) past {@link MAX_WRITE_ATTEMPTS}.
   */
  private async change(
    sessionId: string,
    now: number,
    decide: (
      current: PlatformSession,
    ) => { write: PlatformSession } | { keep: PlatformSession | null },
  ): Promise<{ session: PlatformSession | null; written: boolean }> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const stored = await this.stores.kv.get(sessionKey(sessionId));
      if (stored === null) return { session: null, written: false };
      const decided = decide(parseSession(stored));
      if ("keep" in decided) return { session: decided.keep, written: false };
      if (await this.write(stored, decided.write, now))
        return { session: decided.write, written: true };
    }
    throw RampartError.unavailable("The session store");
  }

  /**
   * Writes `session` if its record still reads `expected` (null: absent). A live session is
   * kept until its absolute expiry; an ended one long enough never to return.
   */
  private async write(
    expected: string | null,
    session: PlatformSession,
    now: number,
  ): Promise<boolean> {
    const ttlMs =
      session.revokedAt === null
        ? session.createdAt + this.policy.absoluteTimeoutMs + ENDED_SESSION_RETENTION_MS - now
        : ENDED_SESSION_RETENTION_MS;
    return this.stores.kv.compareAndSet(sessionKey(session.id), expected, JSON.stringify(session), {
      ttlMs: Math.max(1, Math.ceil(ttlMs)),
    });
  }
}

/** The record of a session ended now: a new version, so no stamp for the old one applies. */
function endedRecord(session: PlatformSession, reason: string, now: number): PlatformSession {
  return { ...session, revokedAt: now, endReason: reason, version: session.version + 1 };
}

/** The latest of a user's and the global bulk revocation (stored epoch ms; absent: never). */
const latestOf = (userRevokedBefore: string | null, allRevokedBefore: string | null): number =>
  Math.max(Number(userRevokedBefore ?? 0), Number(allRevokedBefore ?? 0));

/** A stored session record; records from before versioning are version 0. */
function parseSession(stored: string): PlatformSession {
  const session = JSON.parse(stored) as PlatformSession;
  return { ...session, version: session.version ?? 0 };
}
