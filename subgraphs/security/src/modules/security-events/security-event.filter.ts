import type { FilterQuery } from "@mikro-orm/core";
import { RampartError } from "@rampart/kit";
import { SECURITY_SEVERITIES } from "./security-event.entity";
import type { StoredSecurityEvent } from "./security-event.entity";
import type { SecurityEventFilter } from "./security-event.types";

/** Most items a list criterion of the filter may hold. */
export const MAX_FILTER_ITEMS = 100;

/** Longest single criterion value (type, id, IP) accepted. */
const MAX_VALUE_LENGTH = 200;

/**
 * A validated {@link SecurityEventFilter}: every list deduplicated, every value checked.
 * The query (SQL) and the live feed (in memory) both read it, so they select the same events.
 */
export interface SecurityEventCriteria {
  /** Any of these types; null: any type. */
  readonly types: ReadonlySet<string> | null;
  /** Any of these severities; null: any severity. */
  readonly severities: ReadonlySet<string> | null;
  readonly organizationId: string | null;
  readonly actorId: string | null;
  readonly ip: string | null;
  /** Occurred at or after. */
  readonly since: Date | null;
  /** Occurred before. */
  readonly until: Date | null;
}

/** Validates a filter (BAD_USER_INPUT naming the criterion); null or undefined matches all. */
export function parseSecurityEventFilter(
  filter: SecurityEventFilter | null | undefined,
): SecurityEventCriteria {
  const { types, severities, organizationId, actorId, ip, since, until } = filter ?? {};
  const optional = (item: string | null | undefined, field: string) =>
    item === null || item === undefined ? null : value(item, field);
  // Checked in the order of the filter's fields, so the first bad criterion is the one named.
  const typeSet = types === null || types === undefined ? null : list(types, "filter.types");
  let severitySet: Set<string> | null = null;
  if (severities !== null && severities !== undefined) {
    const unknown = severities.find(
      (severity) => !(SECURITY_SEVERITIES as readonly string[]).includes(severity),
    );
    if (unknown !== undefined) {
      throw RampartError.badInput(
        `Unknown severity; use ${SECURITY_SEVERITIES.join(", ")}.`,
        "filter.severities",
      );
    }
    severitySet = list(severities, "filter.severities");
  }
  const criteria: SecurityEventCriteria = {
    types: typeSet,
    severities: severitySet,
    organizationId: optional(organizationId, "filter.organizationId"),
    actorId: optional(actorId, "filter.actorId"),
    ip: optional(ip, "filter.ip"),
    since: since ?? null,
    until: until ?? null,
  };
  if (since && until && since.getTime() > until.getTime()) {
    throw RampartError.badInput("since must not be after until.", "filter.since");
  }
  return criteria;
}

type Where = FilterQuery<StoredSecurityEvent> & Record<string, unknown>;

/** The criteria as a MikroORM query. */
export function whereOfCriteria(criteria: SecurityEventCriteria): Where {
  const where: Where = {};
  const { types, severities, organizationId, actorId, ip, since, until } = criteria;
  if (types) where.type = { $in: [...types] };
  if (severities) where.severity = { $in: [...severities] };
  if (organizationId !== null) where.organizationId = organizationId;
  if (actorId !== null) where.actorId = actorId;
  if (ip !== null) where.ip = ip;
  if (since || until) {
    where.occurredAt = {
      ...(since ? { $gte: since } : {}),
      ...(until ? { $lt: until } : {}),
    };
  }
  return where;
}

/** Whether an event meets the criteria: the same test as {@link whereOfCriteria}, in memory. */
export function matchesCriteria(
  event: Pick<
    StoredSecurityEvent,
    "type" | "severity" | "organizationId" | "actorId" | "ip" | "occurredAt"
  >,
  criteria: SecurityEventCriteria,
): boolean {
  const { types, severities, organizationId, actorId, ip, since, until } = criteria;
  const time = event.occurredAt.getTime();
  return (
    (types === null || types.has(event.type)) &&
    (severities === null || severities.has(event.severity)) &&
    (organizationId === null || event.organizationId === organizationId) &&
    (actorId === null || event.actorId === actorId) &&
    (ip === null || event.ip === ip) &&
    (since === null || time >= since.getTime()) &&
    (until === null || time < until.getTime())
  );
}

function list(items: readonly string[], field: string): Set<string> {
  if (items.length > MAX_FILTER_ITEMS) {
    throw RampartError.badInput(`Give at most ${MAX_FILTER_ITEMS} values.`, field);
  }
  return new Set(items.map((item) => value(item, field)));
}

function value(item: string, field: string): string {
  if (item.length === 0 || item.length > MAX_VALUE_LENGTH) {
    throw RampartError.badInput(`Each value must be 1 to ${MAX_VALUE_LENGTH} characters.`, field);
  }
  return item;
}
