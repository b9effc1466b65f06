import type { EntityManager, FilterQuery } from "@mikro-orm/core";
import { RampartError, type Identity } from "@rampart/kit";
import { Notification, NotificationAudience } from "./notification.entity";

/** One page of the caller's notifications. */
export interface NotificationPageData {
  readonly nodes: Notification[];
  readonly endCursor: string | null;
  readonly hasNextPage: boolean;
  readonly unreadCount: number;
}

/** Opaque cursor: the position (createdAt, id) of the last notification of a page. */
const encodeCursor = (notification: Notification): string =>
  Buffer.from(`${notification.createdAt.toISOString()}|${notification.id}`).toString("base64url");

/** The time of a cursor as {@link encodeCursor} writes it (four-digit years: PostgreSQL holds them). */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at ?? "");
  // A time JavaScript accepts but PostgreSQL cannot hold (year +275760) would fail in the query.
  if (!id || !CURSOR_TIME.test(at ?? "") || Number.isNaN(createdAt.getTime())) {
    throw RampartError.badInput("This cursor is not one this API gave.", "after");
  }
  return { createdAt, id };
}

/**
 * The caller's own notifications in their active organization (those addressed to them, not
 * to the organization as a whole): pages newest first, unread count, read and archive.
 */
export class MyNotificationsService {
  private readonly userId: string;
  private readonly organizationId: string;

  constructor(
    private readonly em: EntityManager,
    identity: Identity,
  ) {
    if (!identity.userId) throw RampartError.unauthenticated("Sign in to read notifications.");
    if (!identity.organizationId) throw RampartError.forbidden("Select an organization first.");
    this.userId = identity.userId;
    this.organizationId = identity.organizationId;
  }

  /** The caller's own: addressed to them in their organization, never a customer's. */
  private mine(): { userId: string; organizationId: string; audience: NotificationAudience } {
    return {
      userId: this.userId,
      organizationId: this.organizationId,
      audience: NotificationAudience.STAFF,
    };
  }

  /** A page after `after` (a cursor), newest first; archived ones only when asked. */
  async page(options: {
    first: number;
    after?: string | null;
    unreadOnly: boolean;
    includeArchived: boolean;
  }): Promise<NotificationPageData> {
    const where: FilterQuery<Notification>[] = [this.mine()];
    if (options.unreadOnly) where.push({ readAt: null });
    if (!options.includeArchived) where.push({ archivedAt: null });
    if (options.after) {
      const { createdAt, id } = decodeCursor(options.after);
      where.push({ $or: [{ createdAt: { $lt: createdAt } }, { createdAt, id: { $lt: id } }] });
    }
    const rows = await this.em.find(
      Notification,
      { $and: where },
      { orderBy: { createdAt: "desc", id: "desc" }, limit: options.first + 1 },
    );
    const nodes = rows.slice(0, options.first);
    return {
      nodes,
      endCursor: nodes.length > 0 ? encodeCursor(nodes[nodes.length - 1]) : null,
      hasNextPage: rows.length > options.first,
      unreadCount: await this.unreadCount(),
    };
  }

  /** Unread, unarchived notifications. */
  unreadCount(): Promise<number> {
    return this.em.count(Notification, { ...this.mine(), readAt: null, archivedAt: null });
  }

  /** Marks every unread notification read in one statement; returns how many. */
  markAllRead(): Promise<number> {
    return this.em.nativeUpdate(
      Notification,
      { ...this.mine(), readAt: null },
      { readAt: new Date() },
    );
  }

  /** Archives one of the caller's notifications (and marks it read); idempotent. */
  async archive(id: string): Promise<Notification> {
    const now = new Date();
    await this.em.nativeUpdate(Notification, { ...this.mine(), id, readAt: null }, { readAt: now });
    await this.em.nativeUpdate(
      Notification,
      { ...this.mine(), id, archivedAt: null },
      { archivedAt: now },
    );
    const notification = await this.em.findOne(
      Notification,
      { ...this.mine(), id },
      { refresh: true },
    );
    if (!notification) throw RampartError.notFound("Notification");
    return notification;
  }
}
