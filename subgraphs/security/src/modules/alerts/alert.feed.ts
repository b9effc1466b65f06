import type { Logger, SecurityEventRecorder } from "@rampart/kit";
import type { PubSub, Unsubscribe } from "@rampart/kit/stores";
import { AlertStatus, SecurityAlert } from "./alert.entity";

/** Pubsub channel on which every raised alert and every status change is announced. */
export const SECURITY_ALERTS_CHANNEL = "security-alerts:changed";

/** What happened to an alert; each is also recorded as the event `alert.<change>`. */
export type AlertChange = "raised" | "acknowledged" | "resolved";

/** Who caused a change and from where; null fields when unknown (a rule raised it). */
export interface AlertAttribution {
  readonly actorId: string | null;
  readonly organizationId: string | null;
  readonly ip: string | null;
  readonly requestId: string | null;
}

/** Nobody: a rule raised it. */
export const NO_ATTRIBUTION: AlertAttribution = Object.freeze({
  actorId: null,
  organizationId: null,
  ip: null,
  requestId: null,
});

/** An announcement on {@link SECURITY_ALERTS_CHANNEL}. */
interface AlertAnnouncement {
  change: AlertChange;
  alert: Record<string, unknown>;
}

const dateFields = [
  "firstSeenAt",
  "lastSeenAt",
  "acknowledgedAt",
  "resolvedAt",
] as const satisfies readonly (keyof SecurityAlert)[];

const serialize = (alert: SecurityAlert): Record<string, unknown> => ({
  id: alert.id,
  rule: alert.rule,
  dedupKey: alert.dedupKey,
  severity: alert.severity,
  status: alert.status,
  title: alert.title,
  summary: alert.summary,
  occurrences: alert.occurrences,
  firstSeenAt: alert.firstSeenAt.toISOString(),
  lastSeenAt: alert.lastSeenAt.toISOString(),
  acknowledgedById: alert.acknowledgedById,
  acknowledgedAt: alert.acknowledgedAt?.toISOString() ?? null,
  acknowledgementNote: alert.acknowledgementNote,
  resolvedById: alert.resolvedById,
  resolvedAt: alert.resolvedAt?.toISOString() ?? null,
  resolutionNote: alert.resolutionNote,
});

function deserialize(fields: Record<string, unknown>): SecurityAlert {
  const alert = Object.assign(new SecurityAlert(), fields);
  for (const name of dateFields) {
    const value = fields[name];
    (alert as unknown as Record<string, Date | null>)[name] =
      typeof value === "string" ? new Date(value) : null;
  }
  return alert;
}

/**
 * Makes alert changes visible: records the event `alert.<change>` (severity = the alert's) on
 * the security event stream, so alerts stream and are stored like any event, and announces
 * the alert to `securityAlerts` subscribers. Runs after the change committed; a failure is
 * logged, never thrown, since the change itself stands.
 */
export class AlertNotifier {
  constructor(
    private readonly securityEvents: SecurityEventRecorder,
    private readonly pubsub: PubSub,
    private readonly logger: Logger,
  ) {}

  /** Records and announces one change. */
  async announce(
    alert: SecurityAlert,
    change: AlertChange,
    by: AlertAttribution = NO_ATTRIBUTION,
  ): Promise<void> {
    try {
      await this.securityEvents.record({
        type: `alert.${change}`,
        severity: alert.severity as "info" | "low" | "medium" | "high" | "critical",
        actorId: by.actorId,
        organizationId: by.organizationId,
        ip: by.ip,
        reason: `${alert.title} (alert ${alert.id}, rule ${alert.rule})`,
        requestId: by.requestId,
      });
    } catch (error) {
      this.logger.error({ err: error, alertId: alert.id, change }, "could not record alert event");
    }
    try {
      const announcement: AlertAnnouncement = { change, alert: serialize(alert) };
      await this.pubsub.publish(SECURITY_ALERTS_CHANNEL, JSON.stringify(announcement));
    } catch (error) {
      this.logger.error({ err: error, alertId: alert.id, change }, "could not announce alert");
    }
  }
}

/** Announcements a slow subscriber may have waiting before the oldest are dropped. */
const MAX_WAITING = 1_000;

/**
 * Alerts as they are raised or change status, for a subscription: those whose (new) status
 * is one of `statuses` (all when null). Listens on {@link SECURITY_ALERTS_CHANNEL}; `return()`
 * unsubscribes. Changes are not replayed: `securityAlerts` (the query) gives the current state,
 * and every change is also an `alert.*` security event, which `securityEvents` replays.
 */
export async function subscribeToAlerts(
  pubsub: PubSub,
  statuses: readonly AlertStatus[] | null,
  logger?: Logger,
): Promise<AsyncIterableIterator<SecurityAlert>> {
  const wanted = statuses === null ? null : new Set(statuses);
  const waiting: SecurityAlert[] = [];
  /** Pending next() calls, woken by an alert or a close. */
  let sleepers: (() => void)[] = [];
  const wakeAll = () => {
    const woken = sleepers;
    sleepers = [];
    for (const wake of woken) wake();
  };
  let closed = false;
  let dropped = 0;
  const unsubscribe: Unsubscribe = await pubsub.subscribe(SECURITY_ALERTS_CHANNEL, (message) => {
    if (closed) return;
    let alert: SecurityAlert;
    try {
      alert = deserialize((JSON.parse(message) as AlertAnnouncement).alert);
    } catch (error) {
      logger?.warn({ err: error }, "ignoring an unreadable alert announcement");
      return;
    }
    if (wanted && !wanted.has(alert.status)) return;
    if (waiting.length >= MAX_WAITING) {
      waiting.shift();
      dropped += 1;
      if (dropped === 1)
        logger?.warn("an alert subscriber is too slow; dropping its oldest alerts");
    }
    waiting.push(alert);
    wakeAll();
  });
  const iterator: AsyncIterableIterator<SecurityAlert> = {
    async next() {
      for (;;) {
        if (closed) return { done: true, value: undefined };
        const alert = waiting.shift();
        if (alert) return { done: false, value: alert };
        await new Promise<void>((resolve) => sleepers.push(resolve));
      }
    },
    async return() {
      if (!closed) {
        closed = true;
        waiting.length = 0;
        wakeAll();
        await unsubscribe().catch((error: unknown) =>
          logger?.warn({ err: error }, "could not unsubscribe an alert feed"),
        );
      }
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await iterator.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
