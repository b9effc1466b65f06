import {
  ErrorCode,
  IP_ALLOWLIST_CHANNEL,
  IP_ALLOWLIST_SNAPSHOT_KEY,
  IpAllowlistIndex,
  parseIpAllowlistSnapshot,
  parseIpRange,
  type IpAllowlistIndexEntry,
  type Logger,
} from "@rampart/kit";
import type { Stores, Unsubscribe } from "@rampart/kit/stores";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { createClientIpResolver } from "../client-ip";

/** What {@link IpAllowlistOptions.onRefusal} receives; record it as a security event. */
export interface IpAllowlistRefusal {
  readonly type: "ip_allowlist.refused";
  /** The client address refused. */
  readonly ip: string;
  /** Why, fit for the event's `reason`. */
  readonly reason: string;
  /** `res.locals.requestId`, when set. */
  readonly requestId: string | null;
  /** The organization checked, when `organizationOf` named one. */
  readonly organizationId: string | null;
}

/** The security event of a client IP the allowlist refuses, checked for `organizationId`. */
export const allowlistRefusal = (organizationId: string | null) =>
  ({
    type: "ip_allowlist.refused",
    reason:
      organizationId === null
        ? "not in the IP allowlist"
        : `not in the IP allowlist of ${organizationId}`,
  }) as const;

/** Why the IP allowlist refuses a caller's address: the public code and message, the event's reason. */
export interface AddressRefusal {
  readonly code: typeof ErrorCode.IpNotAllowed;
  /** What the client is told. */
  readonly message: string;
  readonly type: "ip_allowlist.refused";
  readonly reason: string;
}

/** Options for {@link createIpAllowlist}. */
export interface IpAllowlistOptions {
  /** Shared stores holding the snapshot the security subgraph publishes. */
  stores: Pick<Stores, "kv" | "pubsub">;
  /** Whether the middleware refuses (`ADMIN_ENFORCE_IP_RESTRICTIONS` on the admin profile). */
  enforce: boolean;
  /**
   * Ranges always allowed to everyone (`ADMIN_IP_ALLOWLIST`, default loopback), also before
   * the subgraph ever published and when the stores are down. Throws on a bad range.
   */
  bootstrap: readonly string[];
  /** Called for every refusal, never awaited; exceptions are logged. */
  onRefusal: (refusal: IpAllowlistRefusal) => void;
  /** Logger for refresh failures. */
  logger: Logger;
  /**
   * Re-reads the snapshot this often (ms), in case an announcement was lost (pub/sub does not
   * queue messages across a Redis reconnect), and retries a failed subscription. Default
   * 30 000; 0 turns it off.
   */
  refreshIntervalMs?: number;
  /** Longest wait of `ready()` for the stores (ms) before going on with what it has. Default 5 000. */
  startTimeoutMs?: number;
  /** Current time in ms, for expiry; default `Date.now`. */
  clock?: () => number;
}

/** Picks the organization a request is checked for; null or undefined for global entries only. */
export type OrganizationOf = (req: Request, res: Response) => string | null | undefined;

/** A gateway replica's view of the IP allowlist. */
export interface IpAllowlist {
  /** Loads the snapshot and subscribes to changes. Never rejects: failures are logged. */
  ready(): Promise<void>;
  /**
   * Express middleware refusing, when `enforce` is on, clients not allowed: 403
   * `IP_NOT_ALLOWED`. The client address is `res.locals.clientIp` (set by the client-ip
   * middleware, mounted before this one), else the socket's peer. Without `organizationOf`
   * only global entries count; with it, that organization's entries count too.
   */
  middleware(organizationOf?: OrganizationOf): RequestHandler;
  /** Whether `ip` matches a global entry, or one of `organizationId`'s. */
  allows(ip: string, organizationId: string | null): boolean;
  /**
   * Whether `organizationId` has entries of its own in force. Per-organization enforcement
   * (the main profile, after authentication) refuses when `restricts(org) && !allows(ip, org)`.
   */
  restricts(organizationId: string): boolean;
  /** Re-reads the snapshot now (coalesced with a refresh already waiting). */
  refresh(): Promise<void>;
  /** Number of entries indexed, bootstrap ones included. */
  size(): number;
  /** Unsubscribes and stops the periodic refresh. */
  close(): Promise<void>;
}

const refusalBody = {
  errors: [
    {
      message: "Requests from this IP address are not allowed.",
      extensions: { code: ErrorCode.IpNotAllowed },
    },
  ],
};

/** Rejects after `ms` with `what` in the message; the timer never keeps the process alive. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Keeps an in-memory {@link IpAllowlistIndex} of the entries the security subgraph publishes
 * (`ip-allowlist:snapshot`) plus the bootstrap ranges, rebuilt on each `ip-allowlist:changed`
 * announcement on every replica. Fails closed: until a snapshot is read (stores down at
 * start, nothing published yet) only the bootstrap ranges are allowed; a later failed read
 * keeps the last index read, so a Redis outage neither opens nor locks out the perimeter.
 */
export function createIpAllowlist(options: IpAllowlistOptions): IpAllowlist {
  const { stores, logger, onRefusal } = options;
  const clock = options.clock ?? Date.now;
  const refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
  const startTimeoutMs = options.startTimeoutMs ?? 5_000;
  const bootstrap: IpAllowlistIndexEntry[] = options.bootstrap.map((ipRange) => {
    const parsed = parseIpRange(ipRange);
    if (!parsed.ok)
      throw new RangeError(`invalid bootstrap IP range "${ipRange}": ${parsed.reason}`);
    const cidr = parsed.range.cidr;
    return { id: `bootstrap:${cidr}`, ipRange: cidr, organizationId: null, expiresAt: null };
  });
  const socketIp = createClientIpResolver();

  let index = new IpAllowlistIndex(bootstrap);
  let unsubscribe: Unsubscribe | null = null;
  let subscribing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function load(): Promise<void> {
    if (closed) return;
    let text: string | null;
    try {
      text = await stores.kv.get(IP_ALLOWLIST_SNAPSHOT_KEY);
    } catch (error) {
      logger.error({ err: error }, "could not read the IP allowlist; keeping the current one");
      return;
    }
    let entries: IpAllowlistIndexEntry[] = [];
    if (text !== null) {
      try {
        entries = parseIpAllowlistSnapshot(text);
      } catch (error) {
        logger.error(
          { err: error },
          "the stored IP allowlist is unreadable; keeping the current one",
        );
        return;
      }
    }
    const next = new IpAllowlistIndex([...bootstrap, ...entries]);
    if (next.rejected.length > 0) {
      logger.warn({ rejected: next.rejected }, "IP allowlist entries left out: invalid ranges");
    }
    index = next;
  }

  // One refresh at a time; announcements during a refresh queue exactly one more.
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  function refresh(): Promise<void> {
    if (queued) return queued;
    const next = tail.then(() => {
      queued = null;
      return load();
    });
    queued = next;
    tail = next;
    return next;
  }

  function subscribe(): Promise<void> {
    if (unsubscribe || closed) return Promise.resolve();
    subscribing ??= stores.pubsub
      .subscribe(IP_ALLOWLIST_CHANNEL, () => void refresh())
      .then(
        async (stop) => {
          if (closed) return stop();
          unsubscribe = stop;
        },
        (error: unknown) => {
          logger.error({ err: error }, "could not subscribe to IP allowlist changes; will retry");
        },
      )
      .finally(() => {
        subscribing = null;
      });
    return subscribing;
  }

  function record(refusal: IpAllowlistRefusal): void {
    try {
      onRefusal(refusal);
    } catch (error) {
      logger.error({ err: error }, "could not record an IP allowlist refusal");
    }
  }

  return {
    async ready() {
      // Subscribed before reading, so no change can fall between the two.
      try {
        await within(subscribe(), startTimeoutMs, "subscribing to IP allowlist changes");
        await within(refresh(), startTimeoutMs, "reading the IP allowlist");
      } catch (error) {
        logger.error(
          { err: error },
          "IP allowlist unavailable at start: only the bootstrap ranges are allowed",
        );
      }
      if (refreshIntervalMs > 0 && !closed && timer === undefined) {
        timer = setInterval(() => {
          void subscribe();
          void refresh();
        }, refreshIntervalMs);
        timer.unref();
      }
    },

    middleware(organizationOf) {
      return function ipAllowlist(req: Request, res: Response, next: NextFunction): void {
        if (!options.enforce) return next();
        const ip =
          typeof res.locals.clientIp === "string" ? (res.locals.clientIp as string) : socketIp(req);
        let organizationId: string | null = null;
        try {
          organizationId = organizationOf?.(req, res) ?? null;
        } catch (error) {
          logger.error({ err: error }, "organizationOf failed; checking global entries only");
        }
        if (index.allows(ip, organizationId, clock())) return next();
        record({
          ...allowlistRefusal(organizationId),
          ip,
          requestId: typeof res.locals.requestId === "string" ? res.locals.requestId : null,
          organizationId,
        });
        res.status(403).json(refusalBody);
      };
    },

    allows: (ip, organizationId) => index.allows(ip, organizationId, clock()),
    restricts: (organizationId) => index.restricts(organizationId, clock()),
    refresh,
    size: () => index.size,

    async close() {
      closed = true;
      clearInterval(timer);
      const stop = unsubscribe;
      unsubscribe = null;
      await stop?.().catch((error: unknown) =>
        logger.warn({ err: error }, "could not unsubscribe from IP allowlist changes"),
      );
    },
  };
}
