import type { EntityManager } from "@mikro-orm/core";
import { RampartError, type Identity } from "@rampart/kit";
import { Notification, NotificationAudience } from "./notification.entity";

/** Reads a user's own notifications within their active organization. */
export class NotificationService {
  constructor(
    private readonly em: EntityManager,
    private readonly identity: Identity,
  ) {}

  /** Notifications of `userId`, newest first; a caller only ever sees their own. */
  async listFor(
    userId: string,
    options: { unreadOnly: boolean; first: number },
  ): Promise<Notification[]> {
    const organizationId = this.ownTenant(userId);
    if (organizationId === null) return [];
    return this.em.find(
      Notification,
      {
        userId,
        organizationId,
        audience: NotificationAudience.STAFF,
        ...(options.unreadOnly ? { readAt: null } : {}),
      },
      { orderBy: { createdAt: "desc", id: "asc" }, limit: options.first },
    );
  }

  /** Marks one of the caller's notifications read; idempotent. */
  async markRead(id: string): Promise<Notification> {
    const userId = this.identity.userId;
    if (!userId) throw RampartError.unauthenticated("Sign in to read notifications.");
    const notification = await this.em.findOne(Notification, {
      id,
      userId,
      organizationId: this.identity.organizationId ?? "",
      audience: NotificationAudience.STAFF,
    });
    if (!notification) throw RampartError.notFound("Notification");
    notification.readAt ??= new Date();
    await this.em.flush();
    return notification;
  }

  /** The caller's organization when `userId` is the caller; null when it is someone else. */
  private ownTenant(userId: string): string | null {
    if (!this.identity.userId) throw RampartError.unauthenticated("Sign in to read notifications.");
    if (userId !== this.identity.userId) return null;
    return this.identity.organizationId;
  }
}
