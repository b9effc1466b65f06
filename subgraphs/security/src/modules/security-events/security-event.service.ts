import type { EntityManager, FilterQuery } from "@mikro-orm/core";
import { MAX_PAGE_SIZE, RampartError } from "@rampart/kit";
import { SECURITY_SEVERITIES } from "./security-event.consumer";
import { StoredSecurityEvent } from "./security-event.entity";
import type { SecurityEventConnection, SecurityEventFilter } from "./security-event.types";

/** Most items a list criterion of the filter may hold. */
export const MAX_FILTER_ITEMS = 100;

/** Longest single criterion value (type, id, IP) accepted. */
const MAX_VALUE_LENGTH = 200;

/** Cursors are base64 of the event's sequence number: opaque to clients, cheap to check. */
export const encodeCursor = (sequence: number): string =>
  Buffer.from(String(sequence), "utf8").toString("base64");

/** The sequence a cursor names; BAD_USER_INPUT when it is not one this API handed out. */
export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64").toString("utf8");
  const sequence = /^[1-9][0-9]{0,14}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(sequence) || encodeCursor(sequence) !== cursor) {
    throw RampartError.badInput("This cursor is not one this API returned.", "after");
  }
  return sequence;
}

/** Reads stored security events for admins. */
export class SecurityEventService {
  constructor(private readonly em: EntityManager) {}

  /**
   * One page of events matching `filter`, newest first (by chain sequence), strictly older
   * than the `after` cursor. A cursor naming no stored event gives an empty page.
   */
  async list(
    filter: SecurityEventFilter | null | undefined,
    first: number,
    after?: string | null,
  ): Promise<SecurityEventConnection> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
      throw RampartError.badInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, "first");
    }
    const where = whereOf(filter ?? {});
    const before = after === null || after === undefined ? null : decodeCursor(after);
    if (before !== null) {
      const exists = await this.em.count(StoredSecurityEvent, { sequence: before });
      if (exists === 0) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
      where.sequence = { $lt: before };
    }
    const rows = await this.em.find(StoredSecurityEvent, where, {
      orderBy: { sequence: "desc" },
      limit: first + 1,
    });
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeCursor(node.sequence), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        endCursor: edges.length > 0 ? edges[edges.length - 1].cursor : null,
      },
    };
  }
}

type Where = FilterQuery<StoredSecurityEvent> & Record<string, unknown>;

/** Validates the filter (BAD_USER_INPUT naming the criterion) and turns it into a query. */
function whereOf(filter: SecurityEventFilter): Where {
  const where: Where = {};
  const { types, severities, organizationId, actorId, ip, since, until } = filter;
  if (types !== null && types !== undefined) {
    where.type = { $in: list(types, "filter.types") };
  }
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
    where.severity = { $in: list(severities, "filter.severities") };
  }
  if (organizationId !== null && organizationId !== undefined) {
    where.organizationId = value(organizationId, "filter.organizationId");
  }
  if (actorId !== null && actorId !== undefined) where.actorId = value(actorId, "filter.actorId");
  if (ip !== null && ip !== undefined) where.ip = value(ip, "filter.ip");
  if (since && until && since.getTime() > until.getTime()) {
    throw RampartError.badInput("since must not be after until.", "filter.since");
  }
  if (since || until) {
    where.occurredAt = {
      ...(since ? { $gte: since } : {}),
      ...(until ? { $lt: until } : {}),
    };
  }
  return where;
}

function list(items: readonly string[], field: string): string[] {
  if (items.length > MAX_FILTER_ITEMS) {
    throw RampartError.badInput(`Give at most ${MAX_FILTER_ITEMS} values.`, field);
  }
  return [...new Set(items.map((item) => value(item, field)))];
}

function value(item: string, field: string): string {
  if (item.length === 0 || item.length > MAX_VALUE_LENGTH) {
    throw RampartError.badInput(`Each value must be 1 to ${MAX_VALUE_LENGTH} characters.`, field);
  }
  return item;
}
