import type { EntityManager } from "@mikro-orm/core";
import { RampartError } from "@rampart/kit";
import { MAX_PAGE_SIZE } from "@rampart/kit/subgraph";
import { StoredSecurityEvent } from "./security-event.entity";
import { parseSecurityEventFilter, whereOfCriteria } from "./security-event.filter";
import type { SecurityEventConnection, SecurityEventFilter } from "./security-event.types";

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
    const where = whereOfCriteria(parseSecurityEventFilter(filter));
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
