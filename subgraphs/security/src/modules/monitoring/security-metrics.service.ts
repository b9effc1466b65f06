import type { EntityManager } from "@mikro-orm/core";
import { LockdownSwitch, type SessionStore } from "@rampart/kit";
import type { SubgraphContext } from "@rampart/kit/subgraph";
import type { Stores } from "@rampart/kit/stores";
import {
  METRICS_WINDOW_MS,
  type MetricsWindow,
  type SecurityMetrics,
} from "./security-metrics.types";

/** How far back `session.started` events are read to find admins. */
export const ADMIN_LOOKBACK_DAYS = 30;

/**
 * The `reason` the gateway gives `session.started` (`role=<Clerk role>`) for an admin. Clerk
 * v2 claims give `org:admin`; a bare `admin` is accepted too, as the shield rules do.
 */
export const ADMIN_SESSION_REASONS = ["role=org:admin", "role=admin"] as const;

/** Event types the metrics single out. */
export const METRIC_EVENT_TYPES = Object.freeze({
  sessionStarted: "session.started",
  failedLogin: "authentication.failed",
  ipViolations: ["ip_allowlist.refused", "ip.refused"],
  rateLimitHit: "rate_limit.exceeded",
});

/**
 * Counts by type over the window (the `occurred_at` index), and the admins seen in the
 * lookback with how many have a confirmed second factor, in one round trip.
 */
const METRICS_SQL = `
with admins as (
  select distinct actor_id from security_events
  where type = ? and actor_id is not null and reason in (?, ?) and occurred_at >= ?
)
select 'type' as kind, type as name, count(*)::int as count
  from security_events where occurred_at >= ? group by type
union all
select 'admins', null, count(*)::int from admins
union all
select 'enrolled', null, count(*)::int
  from admins join two_factor_credentials credential on credential.user_id = admins.actor_id
  where credential.enabled_at is not null`;

interface MetricsRow {
  kind: "type" | "admins" | "enrolled";
  name: string | null;
  count: number;
}

/** What {@link readSecurityMetrics} reads from. */
export interface SecurityMetricsSources {
  /** An entity manager of the security subgraph's database. */
  em: EntityManager;
  /** Platform sessions (for the active count). */
  sessions: Pick<SessionStore, "countActive">;
  /** The shared stores (for the lockdown switch). */
  stores: Stores;
}

/**
 * Security figures over `window`, ending now: one SQL round trip for the stored events and
 * 2FA adoption, in parallel with the session count and the lockdown switch.
 */
export async function readSecurityMetrics(
  sources: SecurityMetricsSources,
  window: MetricsWindow,
  now = new Date(),
): Promise<SecurityMetrics> {
  const windowMs = METRICS_WINDOW_MS[window];
  if (windowMs === undefined) throw new Error(`unknown metrics window ${String(window)}`);
  const since = new Date(now.getTime() - windowMs);
  const adminsSince = new Date(now.getTime() - ADMIN_LOOKBACK_DAYS * 24 * 3_600_000);
  const [rows, activeSessions, lockdown] = await Promise.all([
    sources.em
      .getConnection()
      .execute<MetricsRow[]>(METRICS_SQL, [
        METRIC_EVENT_TYPES.sessionStarted,
        ...ADMIN_SESSION_REASONS,
        adminsSince,
        since,
      ]),
    sources.sessions.countActive(now.getTime()),
    new LockdownSwitch(sources.stores).read(),
  ]);

  const byType = new Map<string, number>();
  let admins = 0;
  let enrolled = 0;
  for (const row of rows) {
    const count = Number(row.count);
    if (row.kind === "type" && row.name !== null) byType.set(row.name, count);
    else if (row.kind === "admins") admins = count;
    else if (row.kind === "enrolled") enrolled = count;
  }
  const countOf = (type: string) => byType.get(type) ?? 0;
  const sessionsStarted = countOf(METRIC_EVENT_TYPES.sessionStarted);
  const failedLogins = countOf(METRIC_EVENT_TYPES.failedLogin);
  const attempts = sessionsStarted + failedLogins;
  const eventCounts = [...byType]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
  return {
    window,
    since,
    sampledAt: now,
    totalEvents: eventCounts.reduce((sum, { count }) => sum + count, 0),
    eventCounts,
    sessionsStarted,
    failedLogins,
    authenticationSuccessRate: attempts === 0 ? null : sessionsStarted / attempts,
    ipViolations: METRIC_EVENT_TYPES.ipViolations.reduce((sum, type) => sum + countOf(type), 0),
    rateLimitHits: countOf(METRIC_EVENT_TYPES.rateLimitHit),
    activeSessions,
    twoFactorAdoption: {
      admins,
      enrolled,
      rate: admins === 0 ? null : enrolled / admins,
      lookbackDays: ADMIN_LOOKBACK_DAYS,
    },
    lockdown: { ...lockdown, changedAt: lockdown.changedAt ? new Date(lockdown.changedAt) : null },
  };
}

/** {@link readSecurityMetrics} from a request's (or a subscription's) context. */
export const readSecurityMetricsFor = (
  context: Pick<SubgraphContext, "em" | "runtime">,
  window: MetricsWindow,
): Promise<SecurityMetrics> =>
  readSecurityMetrics(
    { em: context.em, sessions: context.runtime.sessions, stores: context.runtime.stores },
    window,
  );
